import type { IconName } from '../../components';

/** One entry of the sidebar. Areas without a screen yet show what they will do. */
export interface Area {
  path: string;
  label: string;
  /** The name on the phone's tab bar, where a tab has room for one short word. */
  short: string;
  /** On the phone's tab bar itself; the rest sit behind "More". */
  tab?: boolean;
  icon: IconName;
  summary: string;
}

export const AREAS: Area[] = [
  {
    path: '/compose',
    short: 'Compose',
    tab: true,
    label: 'Record & Compose',
    icon: 'mic',
    summary:
      'Record takes into studios, arrange tracks, and turn a hummed melody into a full song with AI — then give it an album cover and share it.',
  },
  {
    path: '/concerts',
    short: 'Concerts',
    tab: true,
    label: 'Concerts',
    icon: 'broadcast',
    summary: 'Put on a live concert for people on your network, with your audio library, avatar accessories and 3D stage models.',
  },
  {
    path: '/images',
    short: 'Images',
    tab: true,
    label: 'Image Studio',
    icon: 'image',
    summary: 'Generate images on your own GPU, follow the queue as it works, and keep the results in boards.',
  },
  {
    path: '/stories',
    short: 'Stories',
    tab: true,
    label: 'Stories',
    icon: 'book',
    summary: 'Talk with a child about a story, then read the story Atelier writes from it, chapter by chapter.',
  },
  {
    path: '/promo',
    short: 'Promo',
    label: 'Promo Videos',
    icon: 'film',
    summary: 'Turn a business’s web page into lyrics, music, images and a short promo video.',
  },
  {
    path: '/models',
    short: 'Models',
    label: 'Models',
    icon: 'cube',
    summary: 'See the AI models on this computer, whether they run on your GPU or the CPU, and add or remove them.',
  },
  { path: '/settings', short: 'Settings', label: 'Settings', icon: 'sliders', summary: 'LAN sharing and this installation.' },
  { path: '/account', short: 'Account', label: 'Account', icon: 'user', summary: 'Your profile.' },
];

export const HOME = AREAS[0]!.path;

/** Screens where the work is the hero (a canvas, a mixer, a stage): they take the full width. */
const WIDE = [/^\/images(\/|$)/, /^\/compose\/\d+$/, /^\/concerts\/.+/];
export const isWide = (path: string): boolean => WIDE.some((re) => re.test(path));

const SUB_TITLES: [RegExp, string][] = [
  [/^\/compose\/songs$/, 'My songs'],
  [/^\/compose\/\d+$/, 'Studio'],
  [/^\/concerts\/.+/, 'Concert'],
  [/^\/stories\/.+/, 'Story'],
];

/** The browser tab's title for a signed-in path: "Image Studio — Atelier", "My songs — Record & Compose — Atelier". */
export function titleFor(path: string): string {
  const area = AREAS.find((a) => path === a.path || path.startsWith(`${a.path}/`));
  const sub = SUB_TITLES.find(([re]) => re.test(path))?.[1];
  return [sub, area?.label, 'Atelier'].filter(Boolean).join(' — ');
}
