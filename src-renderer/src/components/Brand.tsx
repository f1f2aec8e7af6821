/** Atelier's mark and name, as the navigation, the sign-in screens and the concert page show it. */
export function Brand({ large = false }: { large?: boolean }) {
  return (
    <div className={large ? 'brand brand-large' : 'brand'}>
      <span className="brand-mark" aria-hidden="true" />
      <span className="brand-name">Atelier</span>
    </div>
  );
}
