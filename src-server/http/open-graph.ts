/** What a chat app or social site shows when someone pastes a link: https://ogp.me */
export interface OpenGraph {
  title: string;
  description?: string | null;
  /** Absolute URLs: the site that unfurls the link fetches them from outside this page. */
  url: string;
  image?: string | null;
  audio?: string | null;
  /** "music.song", "website"... */
  type: string;
  siteName?: string;
}

const escapeAttr = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Open Graph and Twitter card meta tags for a page's <head>, every value escaped. */
export function openGraphTags(og: OpenGraph): string {
  const tags: [string, string, string | null | undefined][] = [
    ['property', 'og:type', og.type],
    ['property', 'og:site_name', og.siteName ?? 'Atelier'],
    ['property', 'og:title', og.title],
    ['property', 'og:description', og.description],
    ['property', 'og:url', og.url],
    ['property', 'og:image', og.image],
    ['property', 'og:audio', og.audio],
    ['name', 'twitter:card', og.image ? 'summary_large_image' : 'summary'],
    ['name', 'twitter:title', og.title],
    ['name', 'description', og.description],
  ];
  return tags
    .filter((t): t is [string, string, string] => typeof t[2] === 'string' && t[2] !== '')
    .map(([attr, key, value]) => `<meta ${attr}="${key}" content="${escapeAttr(value)}">`)
    .join('\n');
}
