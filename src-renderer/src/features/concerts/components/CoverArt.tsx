/** A cover drawn from the song itself (its id and title), so every song looks different. */
export function CoverArt({ audioId, title, size = 96 }: { audioId: number; title: string; size?: number }) {
  let hash = audioId * 2654435761;
  for (const ch of title) hash = (Math.imul(hash ^ ch.charCodeAt(0), 16777619) >>> 0) as number;
  const hue = hash % 360;
  const hue2 = (hue + 40 + ((hash >>> 9) % 120)) % 360;
  const angle = (hash >>> 3) % 360;
  return (
    <div
      className="cover-art"
      role="img"
      aria-label={`Cover of ${title}`}
      data-testid="cover-art"
      style={{
        width: size,
        height: size,
        background: `linear-gradient(${angle}deg, hsl(${hue} 70% 45%), hsl(${hue2} 75% 30%))`,
      }}
    >
      <span aria-hidden="true">{title.trim().charAt(0).toUpperCase() || '♪'}</span>
    </div>
  );
}
