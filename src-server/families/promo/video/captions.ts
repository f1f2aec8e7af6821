import type { LyricSheet } from '../lyrics/writer';
import type { Melody } from '../song/melody';

/**
 * The ASS subtitle file: a title card over the lead-in, one karaoke event per lyric line with a
 * `\kf` sweep per syllable timed to its note, and the phone/call-to-action card over the tail.
 * Sung text turns the brand colour (PrimaryColour); what is still to come is white (SecondaryColour).
 */

/**
 * Named caption looks a request (and the UI) picks from: size and place of the sung line, the
 * colour it turns as it is sung and how (a sweep through each syllable, or the syllable lighting
 * at once), and whether it sits on a box.
 */
export const CAPTION_PRESETS = {
  classic: { label: 'Classic', size: 0.075, position: 'bottom', highlight: 'brand', sweep: true, box: false },
  bold: { label: 'Bold box', size: 0.095, position: 'middle', highlight: '#ffd54a', sweep: false, box: true },
  minimal: { label: 'Minimal', size: 0.055, position: 'bottom', highlight: '#ffffff', sweep: true, box: false },
  top: { label: 'Top banner', size: 0.07, position: 'top', highlight: 'brand', sweep: true, box: true },
} as const satisfies Record<
  string,
  { label: string; size: number; position: 'bottom' | 'middle' | 'top'; highlight: 'brand' | `#${string}`; sweep: boolean; box: boolean }
>;
export type CaptionPreset = keyof typeof CAPTION_PRESETS;
export const CAPTION_PRESET_NAMES = Object.keys(CAPTION_PRESETS) as CaptionPreset[];

/** ASS numpad alignment of the sung line for each position. */
const ALIGNMENT = { bottom: 2, middle: 5, top: 8 } as const;

export interface CaptionCard {
  title: string;
  phone: string | null;
  callToAction: string;
  /** `#rrggbb`. */
  brand: string;
}

/** ASS colours are &HAABBGGRR. */
export function assColour(hex: string, alpha = 0): string {
  const h = hex.replace('#', '').padEnd(6, '0');
  const [r, g, b] = [h.slice(0, 2), h.slice(2, 4), h.slice(4, 6)];
  return `&H${alpha.toString(16).padStart(2, '0')}${b}${g}${r}`.toUpperCase();
}

/** Relative luminance (0 black .. 1 white) of `#rrggbb`. */
export function luminance(hex: string): number {
  const h = hex.replace('#', '').padEnd(6, '0');
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function assTime(sec: number): string {
  const cs = Math.max(0, Math.round(sec * 100));
  const h = Math.floor(cs / 360000);
  const m = Math.floor((cs % 360000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(cs % 100).padStart(2, '0')}`;
}

/** Text as ASS shows it: braces would open an override block, a backslash a command. */
const escapeText = (s: string) => s.replace(/[{}]/g, '').replace(/\\/g, '＼');

/** Seconds a line shows before its first note, so the eye finds it before it is sung. */
export const LINE_LEAD_SEC = 0.3;

export function karaokeText(
  text: string,
  syllables: { text: string; startSec: number; endSec: number }[],
  eventStart: number,
  sweep = true,
): string {
  const tag = sweep ? 'kf' : 'k';
  let out = '';
  let cursor = 0;
  let cs = 0;
  const at = (t: number) => Math.round((t - eventStart) * 100);
  for (const syl of syllables) {
    const found = text.indexOf(syl.text, cursor);
    const between = found >= 0 ? text.slice(cursor, found) : '';
    if (found >= 0) cursor = found + syl.text.length;
    const start = at(syl.startSec);
    if (start > cs) out += `{\\k${start - cs}}`;
    const end = at(syl.endSec);
    out += `${escapeText(between)}{\\${tag}${Math.max(1, end - Math.max(start, cs))}}${escapeText(syl.text)}`;
    cs = Math.max(end, cs + 1);
  }
  return out;
}

export function buildAss(
  sheet: LyricSheet,
  melody: Melody,
  card: CaptionCard,
  opts: { width: number; height: number; durationSec: number; preset?: CaptionPreset },
): string {
  const { width: w, height: h } = opts;
  const look = CAPTION_PRESETS[opts.preset ?? 'classic'];
  const unit = Math.min(w, h);
  const size = Math.round(unit * look.size);
  const base = Math.round(unit * 0.075);
  const margin = Math.round(unit * 0.05);
  const brand = assColour(card.brand);
  // Sung text must stand out on any picture: a dark brand colour gives way to a warm yellow there.
  const sung = look.highlight !== 'brand' ? assColour(look.highlight) : luminance(card.brand) < 0.45 ? assColour('#ffd54a') : brand;
  // Minimal lights white over grey; the others light a colour over white.
  const unsung = look.highlight === '#ffffff' ? '&H00A0A0A0' : '&H00FFFFFF';
  const karaoke = look.box
    ? `${sung},${unsung},&H50000000,&H50000000,-1,0,0,0,100,100,0,0,3,${Math.max(2, Math.round(size / 5))},0`
    : `${sung},${unsung},&H00000000,&H96000000,-1,0,0,0,100,100,0,0,1,${Math.max(1, Math.round(size / 14))},${Math.max(1, Math.round(size / 20))}`;
  const styles = [
    `Style: Karaoke,Pretendard,${size},${karaoke},${ALIGNMENT[look.position]},${margin},${margin},${margin},1`,
    `Style: Title,Pretendard,${Math.round(base * 1.9)},&H00FFFFFF,&H00FFFFFF,${brand},&H96000000,-1,0,0,0,100,100,0,0,1,${Math.max(2, Math.round(base / 8))},0,5,${margin},${margin},${margin},1`,
    `Style: Card,Pretendard,${Math.round(base * 1.3)},&H00FFFFFF,&H00FFFFFF,${brand},${assColour(card.brand, 0x40)},-1,0,0,0,100,100,0,0,3,${Math.max(2, Math.round(base / 4))},0,5,${margin},${margin},${margin},1`,
  ];
  const events: string[] = [];
  const leadIn = melody.lines[0]?.startSec ?? melody.grid.barSec;
  events.push(`Dialogue: 1,${assTime(0)},${assTime(leadIn)},Title,,0,0,0,,{\\fad(150,250)}${escapeText(card.title)}`);
  melody.lines.forEach((line, i) => {
    const syllables = melody.syllables.filter((s) => s.line === i);
    if (syllables.length === 0) return;
    const start = Math.max(0, syllables[0]!.startSec - LINE_LEAD_SEC);
    const end = Math.min(opts.durationSec, line.endSec);
    events.push(
      `Dialogue: 0,${assTime(start)},${assTime(end)},Karaoke,,0,0,0,,${karaokeText(sheet.lines[i]!.text, syllables, start, look.sweep)}`,
    );
  });
  const lastSung = melody.lines[melody.lines.length - 1]?.endSec ?? leadIn;
  if (opts.durationSec > lastSung) {
    const text = [card.title, card.phone ? `☎ ${card.phone}` : null, card.callToAction]
      .filter(Boolean)
      .map((s) => escapeText(s!))
      .join('\\N');
    events.push(`Dialogue: 1,${assTime(lastSung)},${assTime(opts.durationSec)},Card,,0,0,0,,{\\fad(200,0)}${text}`);
  }
  return [
    '[Script Info]',
    'ScriptType: v4.00+',
    `PlayResX: ${w}`,
    `PlayResY: ${h}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    ...styles,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    ...events,
    '',
  ].join('\n');
}
