import { josa } from 'es-hangul';
import verses from './verses.json';

/**
 * The jingle (로고송) writer: a song form with the name in the intro, a verse from the business's
 * category and mood, a chorus that sings the name twice and an outro with the neighbourhood and the
 * phone number read digit by digit. One syllable is one note, so every line has a syllable target;
 * lines come from banks per category and mood, picked by a seeded generator (same seed, same song).
 */

export type Section = 'intro' | 'verse' | 'chorus' | 'outro';
export type Language = 'ko' | 'en';
export type Form = 'full' | 'short';

export interface LyricLine {
  section: Section;
  text: string;
  /** What each note sings, in order; its length is the line's note count. */
  syllables: string[];
}

export interface LyricSheet {
  language: Language;
  form: Form;
  category: Category;
  mood: Mood;
  lines: LyricLine[];
  /** Who wrote it: the seeded writer, or the chat model that wrote at least one line. */
  engine: string;
}

export const TEMPLATE_ENGINE = 'built-in jingle writer (seeded line banks)';

export interface LyricFacts {
  name: string;
  address: string | null;
  phoneNumber: string | null;
  category: string | null;
  hashtags: string[];
  description: string | null;
}

export type Category = 'cafe' | 'food' | 'beauty' | 'health' | 'shop' | 'general';
export type Mood = 'bright' | 'calm';

/** A section's lines, by their syllable targets. */
const sectionLines = (section: Section, ...targets: number[]) => targets.map((target) => ({ section, target }));

/** Sections in order with each line's syllable target (two bars a line, eighth notes at most). */
const FORMS: Record<Form, { section: Section; target: number }[]> = {
  full: [
    ...sectionLines('intro', 6, 6),
    ...sectionLines('verse', 8, 8, 8, 8),
    ...sectionLines('chorus', 7, 8, 7, 8),
    ...sectionLines('outro', 8, 12),
  ],
  short: [...sectionLines('intro', 6), ...sectionLines('chorus', 7), ...sectionLines('outro', 12)],
};

const CATEGORY_WORDS: [Category, RegExp][] = [
  ['cafe', /cafe|coffee|카페|커피|디저트|베이커리|bakery|브런치|tea/i],
  ['food', /restaurant|food|bar|pub|식당|맛집|음식|고기|치킨|pizza|kitchen|분식|한식|일식|중식|cuisine/i],
  ['beauty', /beauty|hair|nail|spa|salon|미용|헤어|네일|뷰티|피부/i],
  ['health', /dent|clinic|physician|pharmacy|medical|치과|병원|의원|약국|한의원|gym|필라테스|요가|fitness|exercise/i],
  ['shop', /store|shop|market|가게|마켓|상점|꽃|flower|book|옷|clothing/i],
];

export function categoryOf(facts: Pick<LyricFacts, 'category' | 'hashtags' | 'name' | 'description'>): Category {
  // The schema.org type is the site's own word for what it is; the rest is a guess from its text.
  for (const hay of [facts.category ?? '', [facts.name, ...facts.hashtags, facts.description ?? ''].join(' ')]) {
    const found = CATEGORY_WORDS.find(([, re]) => re.test(hay))?.[0];
    if (found) return found;
  }
  return 'general';
}

export function moodOf(requested: string | null, category: Category): Mood {
  if (requested && /calm|soft|잔잔|차분|romantic|dreamy/i.test(requested)) return 'calm';
  if (requested) return 'bright';
  return category === 'health' ? 'calm' : 'bright';
}

/** Verse banks (verses.json, data rather than code); `{N}` is the name, `{N이}`-style tokens take the right particle, `{K}` a keyword. */
const VERSES: Record<Language, Record<Category, Record<Mood, string[]>>> = verses;

const KO_DIGITS = ['공', '일', '이', '삼', '사', '오', '육', '칠', '팔', '구'];
const EN_DIGITS = ['oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** mulberry32: small, fast and the same on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HANGUL = /[\uac00-\ud7a3]/;

/**
 * One entry per sung syllable: each Hangul block is one, an English word splits at its vowel
 * groups ("coffee" → cof, fee), a hyphen marks a split the word already carries ("sev-en").
 */
export function syllabify(text: string): string[] {
  const out: string[] = [];
  for (const token of text.split(/\s+/).filter(Boolean)) {
    for (const piece of token.split('-').filter(Boolean)) {
      let latin = '';
      const flush = () => {
        if (latin) out.push(...splitEnglish(latin));
        latin = '';
      };
      for (const ch of piece) {
        if (HANGUL.test(ch)) {
          flush();
          out.push(ch);
        } else if (/[a-z0-9']/i.test(ch)) latin += ch;
        else flush();
      }
      flush();
    }
  }
  return out;
}

function splitEnglish(word: string): string[] {
  // Consonants then a vowel group per syllable; the last one keeps the trailing consonants.
  const parts = word.match(/[^aeiouy]*[aeiouy]+/gi) ?? [];
  if (parts.length === 0) return [word];
  const rest = word.slice(parts.join('').length);
  // A final silent e ("made", "time") is no syllable of its own, but "-le" after a consonant is ("little").
  if (parts.length > 1 && rest === '' && /^[^aeiouy]e$/i.test(parts[parts.length - 1]!) && !/le$/i.test(word)) {
    const last = parts.pop()!;
    parts[parts.length - 1] += last;
  } else parts[parts.length - 1] += rest;
  return parts;
}

/** The neighbourhood to sing: the 동 (else 구, 시) of a Korean address, or the locality of another. */
export function neighbourhood(address: string | null): string | null {
  if (!address) return null;
  const words = address.split(/\s+/);
  for (const suffix of ['동', '구', '시']) {
    const w = words.find((x) => new RegExp(`^[가-힣]+${suffix}$`).test(x));
    if (w) return w;
  }
  const latin = address
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return latin.length > 1 ? latin[latin.length - 2]! : null;
}

/** Digits read one by one ("02-1234-5678" → 공이 일이삼사 오육칠팔); a cardinal reading would be wrong. */
export function phoneWords(phone: string, language: Language): string {
  const digits = language === 'ko' ? KO_DIGITS : EN_DIGITS;
  return phone
    .split(/[^0-9]+/)
    .filter(Boolean)
    .map((group) => [...group].map((d) => digits[Number(d)]!).join(language === 'ko' ? '' : ' '))
    .join(' ');
}

function fill(template: string, name: string, keyword: string): string {
  return template
    .replace(/\{N(이\/가|을\/를|은\/는|와\/과|으로\/로)\}/g, (_, pair: string) => josa(name, pair as Parameters<typeof josa>[1]))
    .replace(/\{N\}/g, name)
    .replace(/\{K\}/g, keyword);
}

/** Pads a short line with 라/la to its target so the melody keeps its bar shape. */
export function fit(text: string, target: number, language: Language): { text: string; syllables: string[] } {
  let syl = syllabify(text);
  let out = text;
  const pad = language === 'ko' ? '라' : 'la';
  while (syl.length < target) {
    out += syl.length === target - 1 || language === 'en' ? ` ${pad}` : ` ${pad}${pad}`;
    syl = syllabify(out);
  }
  return { text: out.replace(/(라) (라)/g, '$1$2'), syllables: syl };
}

/** How many lines a form has. */
export const formLines = (form: Form) => FORMS[form].length;

/** Most notes a line can take (two bars of eighth notes). */
export const MAX_LINE_SYLLABLES = 16;

/** The owner's own words over the seeded sheet's sections (one line each, in order). */
export function ownLyrics(seeded: LyricSheet, texts: string[]): LyricSheet {
  return {
    ...seeded,
    lines: seeded.lines.map((l, i) => {
      const text = texts[i]!.replace(/\s+/g, ' ').trim();
      return { section: l.section, text, syllables: syllabify(text) };
    }),
    engine: OWN_LYRICS_ENGINE,
  };
}

export const OWN_LYRICS_ENGINE = 'lyrics you wrote';

export function writeLyrics(facts: LyricFacts, opts: { language: Language; form: Form; seed: number; mood: string | null }): LyricSheet {
  const { language, form } = opts;
  const rand = seededRandom(opts.seed);
  const category = categoryOf(facts);
  const mood = moodOf(opts.mood, category);
  const name = facts.name.trim();
  const keyword =
    facts.hashtags.find((k) => (language === 'ko' ? HANGUL.test(k) : /^[a-z ]+$/i.test(k)) && syllabify(k).length <= 4) ??
    (language === 'ko' ? '우리 동네' : 'the best');
  const area = neighbourhood(facts.address);
  const bank = [...VERSES[language][category][mood]];
  const take = () => bank.splice(Math.floor(rand() * bank.length), 1)[0] ?? (language === 'ko' ? '{N} 좋아요' : 'we love {N}');

  const ko = language === 'ko';
  let introCount = 0;
  let chorusCount = 0;
  let outroCount = 0;
  const lines: LyricLine[] = FORMS[form].map(({ section, target }) => {
    let text: string;
    if (section === 'intro') {
      text = introCount++ === 0 ? (ko ? `랄랄라 {N}` : `la la la {N}`) : ko ? `{N} 어서 와요` : `welcome to {N}`;
    } else if (section === 'verse') {
      text = take();
    } else if (section === 'chorus') {
      const i = chorusCount++;
      text = ko ? (i % 2 === 0 ? `{N} {N}` : `{N이/가} 최고예요`) : i % 2 === 0 ? `{N}, {N}` : `{N} is the one`;
    } else {
      const i = outroCount++;
      const phone = facts.phoneNumber ? phoneWords(facts.phoneNumber, language) : null;
      const lastOutro = i === FORMS[form].filter((f) => f.section === 'outro').length - 1;
      if (lastOutro && phone) text = ko ? `전화 주세요 ${phone}` : `call ${phone}`;
      else text = area ? (ko ? `${area}의 {N}` : `{N} in ${area}`) : ko ? `언제나 여기 {N}` : `always here, {N}`;
    }
    const filled = fit(fill(text, name, keyword), target, language);
    return { section, text: filled.text, syllables: filled.syllables };
  });
  return { language, form, category, mood, lines, engine: TEMPLATE_ENGINE };
}
