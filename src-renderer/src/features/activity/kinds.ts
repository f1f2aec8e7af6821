/** What each job kind is called in the drawer and where its result is found. */
interface KindInfo {
  label: string;
  /** The area that shows what the job made. */
  href: string;
  /** What the toast's link says. */
  open: string;
}

const KINDS: Record<string, KindInfo> = {
  'canvas.generate': { label: 'Image', href: '/images', open: 'See the image' },
  'studio.compose': { label: 'Song', href: '/compose/songs', open: 'Listen' },
  'studio.cover': { label: 'Album cover', href: '/compose/songs', open: 'See the cover' },
  'system.model-install': { label: 'Model install', href: '/models', open: 'Open Models' },
  'stories.write': { label: 'Story', href: '/stories', open: 'Read it' },
  'promo.workflow': { label: 'Promo video', href: '/promo', open: 'Watch it' },
};

const VARIANTS: Record<string, string> = { upscale: 'Upscale', generate: 'Image' };

export function kindInfo(kind: string, variant: string | null = null): KindInfo {
  const base = KINDS[kind] ?? { label: 'Job', href: '/compose', open: 'Open' };
  return variant && VARIANTS[variant] ? { ...base, label: VARIANTS[variant]! } : base;
}

/** The area a path belongs to ("/compose/songs" → "/compose"), to tell whether the user is looking at a result already. */
export const areaOf = (path: string) => `/${path.split('/')[1] ?? ''}`;
