import type { IconName } from '../../components';

/** One entry of the sidebar. Areas without a screen yet show what they will do. */
export interface Area {
  path: string;
  label: string;
  icon: IconName;
  summary: string;
}

export const AREAS: Area[] = [
  {
    path: '/compose',
    label: 'Record & Compose',
    icon: 'mic',
    summary:
      'Record takes into studios, arrange tracks, and turn a hummed melody into a full song with AI — then give it an album cover and share it.',
  },
  {
    path: '/concerts',
    label: 'Concerts',
    icon: 'broadcast',
    summary: 'Put on a live concert for people on your network, with your audio library, avatar accessories and 3D stage models.',
  },
  {
    path: '/images',
    label: 'Image Studio',
    icon: 'image',
    summary: 'Generate images on your own GPU, follow the queue as it works, and keep the results in boards.',
  },
  {
    path: '/stories',
    label: 'Stories',
    icon: 'book',
    summary: 'Talk with a child about a story, then read the story Atelier writes from it, chapter by chapter.',
  },
  {
    path: '/promo',
    label: 'Promo Videos',
    icon: 'film',
    summary: 'Turn a business’s web page into lyrics, music, images and a short promo video.',
  },
  {
    path: '/models',
    label: 'Models',
    icon: 'cube',
    summary: 'See the AI models on this computer, whether they run on your GPU or the CPU, and add or remove them.',
  },
  { path: '/settings', label: 'Settings', icon: 'sliders', summary: 'LAN sharing and this installation.' },
  { path: '/account', label: 'Account', icon: 'user', summary: 'Your profile.' },
];

export const HOME = AREAS[0]!.path;
