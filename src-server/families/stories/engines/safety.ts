/**
 * The safety filter every engine's text passes through: a Korean and English blocklist checked on
 * the child's input before any engine sees it, and on every output before it reaches the child.
 * Words, not substrings, in English ("hello" is not "hell"); stems in Korean, whose endings vary
 * ("죽여", "죽이다", "죽일").
 */

const EN_WORDS = [
  'kill',
  'kills',
  'killed',
  'killing',
  'killer',
  'murder',
  'murdered',
  'blood',
  'bloody',
  'gun',
  'guns',
  'shoot',
  'shot',
  'knife',
  'knives',
  'stab',
  'stabbed',
  'die',
  'dies',
  'died',
  'dead',
  'death',
  'corpse',
  'suicide',
  'weapon',
  'weapons',
  'bomb',
  'bombs',
  'hate',
  'stupid',
  'idiot',
  'dumb',
  'damn',
  'hell',
  'fuck',
  'fucking',
  'shit',
  'bitch',
  'bastard',
  'sex',
  'sexy',
  'naked',
  'drugs',
  'beer',
  'wine',
  'drunk',
  'cigarette',
  'torture',
  'gore',
];

const KO_STEMS = [
  '죽여',
  '죽이',
  '죽일',
  '죽어',
  '죽었',
  '죽는',
  '죽음',
  '살인',
  '살해',
  '피투성이',
  '총으로',
  '총을 쏘',
  '칼로 찌',
  '찔러',
  '바보',
  '멍청',
  '씨발',
  '시발',
  'ㅅㅂ',
  '병신',
  'ㅂㅅ',
  '개새끼',
  '새끼',
  '좆',
  '꺼져',
  '닥쳐',
  '미친',
  '자살',
  '폭탄',
  '마약',
  '술에 취',
  '섹스',
  '야동',
];

const EN_PATTERN = new RegExp(`\\b(${EN_WORDS.join('|')})\\b`, 'giu');

export interface SafetyResult {
  ok: boolean;
  /** The words that matched, lower-cased. */
  hits: string[];
}

export function checkText(text: string): SafetyResult {
  const hits = new Set<string>();
  for (const m of text.matchAll(EN_PATTERN)) hits.add(m[1]!.toLowerCase());
  const squeezed = text.normalize('NFC');
  for (const stem of KO_STEMS) if (squeezed.includes(stem)) hits.add(stem);
  return { ok: hits.size === 0, hits: [...hits] };
}

/** The text with every blocked word replaced by asterisks, for storing a flagged turn. */
export function mask(text: string): string {
  let out = text.replace(EN_PATTERN, (w) => '*'.repeat(w.length));
  for (const stem of KO_STEMS) out = out.split(stem).join('*'.repeat(stem.length));
  return out;
}

const SENTENCE = /[^.!?。…\n]+[.!?。…]*\s*/gu;

/**
 * The output check: sentences that fail are replaced by a calm one. Returns null when too much of
 * the text failed for a rewrite to keep its sense; the caller refuses it then.
 */
export function rewriteUnsafe(text: string, calm: string): { text: string; rewritten: number } | null {
  const sentences = text.match(SENTENCE) ?? [text];
  let rewritten = 0;
  const kept = sentences.map((s) => {
    if (checkText(s).ok) return s;
    rewritten += 1;
    return calm + (s.endsWith(' ') ? ' ' : '');
  });
  if (rewritten * 2 > sentences.length) return null;
  return { text: kept.join('').trim(), rewritten };
}
