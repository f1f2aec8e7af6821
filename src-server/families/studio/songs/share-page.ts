import { openGraphTags, type OpenGraph } from '../../../http/open-graph';
import type { SongRow } from './service';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Nothing but the song's own audio and cover may load; no script runs at all. */
export const SHARE_PAGE_CSP =
  "default-src 'none'; media-src 'self'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The public page of a shared song: its cover, title and a player, readable on a phone. */
export function sharePage(song: SongRow, urls: { audio: string; cover: string | null }, og: Omit<OpenGraph, 'title' | 'type'>): string {
  const title = escapeHtml(song.title);
  const details = [song.genre, song.mood]
    .filter((x): x is string => !!x)
    .map(escapeHtml)
    .join(' · ');
  const cover = urls.cover ? `<img src="${escapeHtml(urls.cover)}" alt="" width="320" height="320">` : '';
  return `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · Atelier</title>
${openGraphTags({ ...og, title: song.title, type: 'music.song' })}
<style>
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#111;color:#eee;font:16px system-ui,sans-serif}
main{text-align:center;padding:24px;max-width:360px}
img{width:100%;height:auto;border-radius:12px;box-shadow:0 8px 32px #0008}
h1{font-size:1.4em;margin:16px 0 4px}
p{margin:0 0 16px;color:#aaa}
audio{width:100%}
</style>
</head>
<body>
<main>
${cover}
<h1>${title}</h1>
<p>${details}</p>
<audio controls preload="metadata" src="${escapeHtml(urls.audio)}"></audio>
</main>
</body>
</html>
`;
}
