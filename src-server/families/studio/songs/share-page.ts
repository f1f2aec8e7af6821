import crypto from 'node:crypto';
import { openGraphTags, type OpenGraph } from '../../../http/open-graph';
import type { SongRow } from './service';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The player: play/pause, a seek bar and the time, drawn in the page's own colours. Without
 * script the native controls stay (the `controls` attribute is only removed here).
 */
const PLAYER_SCRIPT = `(()=>{const a=document.querySelector('audio'),p=document.getElementById('play'),s=document.getElementById('seek'),t=document.getElementById('time');if(!a||!p||!s||!t)return;
const f=x=>isFinite(x)?Math.floor(x/60)+':'+String(Math.floor(x%60)).padStart(2,'0'):'0:00';
a.controls=false;document.body.classList.add('js');
const draw=()=>{s.max=isFinite(a.duration)?a.duration:0;s.value=a.currentTime;s.style.setProperty('--at',(a.duration?a.currentTime/a.duration*100:0)+'%');t.textContent=f(a.currentTime)+' / '+f(a.duration);p.setAttribute('aria-label',a.paused?'Play':'Pause');p.classList.toggle('on',!a.paused)};
p.addEventListener('click',()=>a.paused?a.play():a.pause());s.addEventListener('input',()=>{a.currentTime=Number(s.value)});
for(const e of['timeupdate','loadedmetadata','play','pause','ended','durationchange'])a.addEventListener(e,draw);draw()})();`;

const SCRIPT_HASH = crypto.createHash('sha256').update(PLAYER_SCRIPT).digest('base64');

/** Nothing but the song's own audio and cover may load; the only script is the player's, by its hash. */
export const SHARE_PAGE_CSP = `default-src 'none'; media-src 'self'; img-src 'self'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** The public page of a shared song: its cover (or a drawn one), title and a themed player, readable on a phone. */
export function sharePage(song: SongRow, urls: { audio: string; cover: string | null }, og: Omit<OpenGraph, 'title' | 'type'>): string {
  const title = escapeHtml(song.title);
  const details = [song.genre, song.mood]
    .filter((x): x is string => !!x)
    .map(escapeHtml)
    .join(' · ');
  const cover = urls.cover
    ? `<img class="cover" src="${escapeHtml(urls.cover)}" alt="Album cover of ${title}" width="320" height="320">`
    : `<div class="cover blank" role="img" aria-label="No album cover">${escapeHtml([...song.title.trim()][0]?.toUpperCase() ?? '♪')}</div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · Atelier</title>
${openGraphTags({ ...og, title: song.title, type: 'music.song' })}
<style>
:root{color-scheme:dark;--accent:#8b7cf6;--muted:#a9a9b8}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:radial-gradient(circle at 30% 10%,#2a2340,#111 60%);color:#f2f2f5;font:16px system-ui,sans-serif}
main{text-align:center;padding:24px;width:min(360px,100%);box-sizing:border-box}
.cover{display:block;width:100%;aspect-ratio:1;height:auto;border-radius:14px;box-shadow:0 12px 40px #000a;object-fit:cover}
.cover.blank{display:flex;align-items:center;justify-content:center;font-size:96px;font-weight:700;background:linear-gradient(135deg,#5b4bd6,#c0487e)}
h1{font-size:1.4em;margin:18px 0 4px}
p{margin:0 0 18px;color:var(--muted)}
audio{width:100%}
.player{display:none;align-items:center;gap:12px}
.js .player{display:flex}
#play{flex:none;width:48px;height:48px;border-radius:50%;border:0;background:var(--accent);color:#fff;cursor:pointer;display:flex;align-items:center;justify-content:center}
#play:focus-visible,#seek:focus-visible{outline:2px solid #fff;outline-offset:2px}
#play .pause,#play.on .go{display:none}
#play.on .pause{display:block}
#seek{flex:1;appearance:none;height:6px;border-radius:3px;background:linear-gradient(to right,var(--accent) var(--at,0%),#ffffff30 var(--at,0%));cursor:pointer}
#seek::-webkit-slider-thumb{appearance:none;width:14px;height:14px;border-radius:50%;background:#fff}
#seek::-moz-range-thumb{width:14px;height:14px;border:0;border-radius:50%;background:#fff}
#time{flex:none;font-variant-numeric:tabular-nums;color:var(--muted);font-size:.9em}
footer{margin-top:28px;font-size:.8em;color:var(--muted)}
</style>
</head>
<body>
<main>
${cover}
<h1>${title}</h1>
<p>${details}</p>
<audio controls preload="metadata" src="${escapeHtml(urls.audio)}"></audio>
<div class="player">
<button id="play" type="button" aria-label="Play"><svg class="go" width="20" height="20" viewBox="0 0 20 20" aria-hidden="true"><path d="M5 3l12 7-12 7z" fill="currentColor"/></svg><svg class="pause" width="20" height="20" viewBox="0 0 20 20" aria-hidden="true"><path d="M4 3h4v14H4zM12 3h4v14h-4z" fill="currentColor"/></svg></button>
<input id="seek" type="range" min="0" max="0" step="0.01" value="0" aria-label="Position">
<span id="time">0:00 / 0:00</span>
</div>
<footer>Made with Atelier</footer>
</main>
<script>${PLAYER_SCRIPT}</script>
</body>
</html>
`;
}
