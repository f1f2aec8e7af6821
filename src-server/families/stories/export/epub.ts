import { sentencesOf } from '../../../ai/pipelines/supertonic';
import type { SpokenSentence } from '../../../db/schema';
import { zip, type ZipEntry } from './zip';

/**
 * A story as an EPUB 3 picture book: `mimetype` first and stored, `META-INF/container.xml`, the
 * package document, a navigation document, one XHTML page per chapter with its picture, and — when
 * the chapter was narrated — its audio with a SMIL media overlay, so reading systems highlight each
 * sentence as it is spoken (the sentence timings the narration recorded).
 */

export interface EpubChapter {
  number: number;
  title: string;
  content: string;
  /** PNG bytes of the chapter's picture. */
  picture: Buffer | null;
  /** MP3 bytes of its narration, and when each sentence is spoken (title sentences first). */
  audio: { mp3: Buffer; sentences: SpokenSentence[] } | null;
}

export interface EpubBook {
  id: string;
  title: string;
  language: 'ko' | 'en';
  author: string;
  /** ISO time of the last change: the package's dcterms:modified. */
  modified: string;
  narrator: string | null;
  chapters: EpubChapter[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const clock = (sec: number) => `${sec.toFixed(3)}s`;
const totalClock = (sec: number) => {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec - h * 3600 - m * 60;
  return `${h}:${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
};

const CSS = `body { font-family: serif; line-height: 1.6; margin: 1em; }
h1 { font-size: 1.4em; }
img { display: block; max-width: 100%; margin: 0 auto 1em; }
.-epub-media-overlay-active { background: #fff3b0; }
`;

/** The chapter's text as XHTML: with narration, each spoken sentence is a span the overlay points at. */
function chapterXhtml(book: EpubBook, c: EpubChapter): string {
  let heading = esc(c.title);
  let body = c.content
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${esc(p)}</p>`)
    .join('\n');
  if (c.audio) {
    const titleCount = sentencesOf(c.title, book.language).length;
    const span = (s: SpokenSentence, i: number) => `<span id="s${i + 1}">${esc(s.text)}</span>`;
    heading = c.audio.sentences.slice(0, titleCount).map(span).join(' ');
    body = `<p>${c.audio.sentences
      .slice(titleCount)
      .map((s, i) => span(s, i + titleCount))
      .join(' ')}</p>`;
  }
  const picture = c.picture ? `<img src="images/chapter-${c.number}.png" alt="${esc(c.title)}"/>\n` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="${book.language}" lang="${book.language}">
<head><meta charset="UTF-8"/><title>${esc(c.title)}</title><link rel="stylesheet" type="text/css" href="style.css"/></head>
<body>
<section epub:type="chapter">
<h1>${heading}</h1>
${picture}${body}
</section>
</body>
</html>
`;
}

function overlaySmil(c: EpubChapter): string {
  const pars = c
    .audio!.sentences.map(
      (s, i) =>
        `<par id="p${i + 1}"><text src="chapter-${c.number}.xhtml#s${i + 1}"/><audio src="audio/chapter-${c.number}.mp3" clipBegin="${clock(s.start)}" clipEnd="${clock(s.end)}"/></par>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">
<body>
<seq id="seq1" epub:textref="chapter-${c.number}.xhtml" epub:type="chapter">
${pars}
</seq>
</body>
</smil>
`;
}

function navXhtml(book: EpubBook): string {
  const items = book.chapters.map((c) => `<li><a href="chapter-${c.number}.xhtml">${esc(c.title)}</a></li>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="${book.language}" lang="${book.language}">
<head><meta charset="UTF-8"/><title>${esc(book.title)}</title></head>
<body>
<nav epub:type="toc" id="toc"><h1>${esc(book.title)}</h1>
<ol>
${items}
</ol>
</nav>
</body>
</html>
`;
}

function packageOpf(book: EpubBook): string {
  const manifest: string[] = [
    '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>',
    '<item id="css" href="style.css" media-type="text/css"/>',
  ];
  const spine: string[] = [];
  const durations: string[] = [];
  let total = 0;
  for (const c of book.chapters) {
    const overlay = c.audio ? ` media-overlay="smil-${c.number}"` : '';
    manifest.push(`<item id="chapter-${c.number}" href="chapter-${c.number}.xhtml" media-type="application/xhtml+xml"${overlay}/>`);
    if (c.picture) manifest.push(`<item id="image-${c.number}" href="images/chapter-${c.number}.png" media-type="image/png"/>`);
    if (c.audio) {
      manifest.push(`<item id="audio-${c.number}" href="audio/chapter-${c.number}.mp3" media-type="audio/mpeg"/>`);
      manifest.push(`<item id="smil-${c.number}" href="chapter-${c.number}.smil" media-type="application/smil+xml"/>`);
      const seconds = c.audio.sentences.at(-1)?.end ?? 0;
      total += seconds;
      durations.push(`<meta property="media:duration" refines="#smil-${c.number}">${totalClock(seconds)}</meta>`);
    }
    spine.push(`<itemref idref="chapter-${c.number}"/>`);
  }
  const overlays =
    durations.length > 0
      ? [
          ...durations,
          `<meta property="media:duration">${totalClock(total)}</meta>`,
          `<meta property="media:active-class">-epub-media-overlay-active</meta>`,
          ...(book.narrator ? [`<meta property="media:narrator">${esc(book.narrator)}</meta>`] : []),
        ]
      : [];
  return `<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" xml:lang="${book.language}">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="book-id">urn:uuid:${book.id}</dc:identifier>
<dc:title>${esc(book.title)}</dc:title>
<dc:language>${book.language}</dc:language>
<dc:creator>${esc(book.author)}</dc:creator>
<meta property="dcterms:modified">${book.modified.replace(/\.\d+Z$/, 'Z')}</meta>
${overlays.join('\n')}
</metadata>
<manifest>
${manifest.join('\n')}
</manifest>
<spine>
${spine.join('\n')}
</spine>
</package>
`;
}

const CONTAINER = `<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>
`;

export function buildEpub(book: EpubBook): Promise<Buffer> {
  const text = (s: string) => Buffer.from(s, 'utf8');
  const entries: ZipEntry[] = [
    { name: 'mimetype', data: text('application/epub+zip'), store: true },
    { name: 'META-INF/container.xml', data: text(CONTAINER) },
    { name: 'OEBPS/content.opf', data: text(packageOpf(book)) },
    { name: 'OEBPS/nav.xhtml', data: text(navXhtml(book)) },
    { name: 'OEBPS/style.css', data: text(CSS) },
  ];
  for (const c of book.chapters) {
    entries.push({ name: `OEBPS/chapter-${c.number}.xhtml`, data: text(chapterXhtml(book, c)) });
    if (c.picture) entries.push({ name: `OEBPS/images/chapter-${c.number}.png`, data: c.picture, store: true });
    if (c.audio) {
      entries.push({ name: `OEBPS/audio/chapter-${c.number}.mp3`, data: c.audio.mp3, store: true });
      entries.push({ name: `OEBPS/chapter-${c.number}.smil`, data: text(overlaySmil(c)) });
    }
  }
  return zip(entries);
}
