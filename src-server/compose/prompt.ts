/**
 * Reads what a composing prompt asks for ("밝은 시티팝, 피아노 강조, 빠르게" or "sad lo-fi with
 * strings, 80 bpm") by keywords: a genre, a mood, instruments to bring forward and tempo words.
 * English and Korean. Unknown words are ignored; nothing is guessed when nothing matches.
 */

export const GENRES = ['pop', 'rock', 'ballad', 'jazz', 'lofi', 'hiphop', 'edm', 'rnb', 'folk', 'cinematic'] as const;
export type Genre = (typeof GENRES)[number];

export const MOODS = ['happy', 'sad', 'calm', 'energetic', 'dark', 'romantic', 'dreamy'] as const;
export type Mood = (typeof MOODS)[number];

export const INSTRUMENTS = [
  'piano',
  'epiano',
  'organ',
  'guitar',
  'electric-guitar',
  'bass',
  'drums',
  'strings',
  'violin',
  'cello',
  'synth',
  'pad',
  'brass',
  'trumpet',
  'sax',
  'flute',
  'bell',
] as const;
export type Instrument = (typeof INSTRUMENTS)[number];

export type TempoFeel = 'slow' | 'normal' | 'fast';

export interface PromptReading {
  genre: Genre | null;
  mood: Mood | null;
  instruments: Instrument[];
  feel: TempoFeel | null;
  /** An explicit "120 bpm" / "BPM 120" / "템포 120". */
  bpm: number | null;
}

// Longer keywords come first within a table so "electric guitar" wins over "guitar".
const GENRE_WORDS: [string, Genre][] = [
  ['city pop', 'pop'],
  ['시티팝', 'pop'],
  ['k-pop', 'pop'],
  ['kpop', 'pop'],
  ['케이팝', 'pop'],
  ['케이 팝', 'pop'],
  ['lo-fi', 'lofi'],
  ['lofi', 'lofi'],
  ['lo fi', 'lofi'],
  ['로파이', 'lofi'],
  ['로-파이', 'lofi'],
  ['hip-hop', 'hiphop'],
  ['hip hop', 'hiphop'],
  ['hiphop', 'hiphop'],
  ['rap', 'hiphop'],
  ['trap', 'hiphop'],
  ['힙합', 'hiphop'],
  ['랩', 'hiphop'],
  ['r&b', 'rnb'],
  ['rnb', 'rnb'],
  ['soul', 'rnb'],
  ['알앤비', 'rnb'],
  ['알엔비', 'rnb'],
  ['소울', 'rnb'],
  ['edm', 'edm'],
  ['electronic', 'edm'],
  ['house', 'edm'],
  ['techno', 'edm'],
  ['dance', 'edm'],
  ['일렉트로닉', 'edm'],
  ['댄스', 'edm'],
  ['하우스', 'edm'],
  ['cinematic', 'cinematic'],
  ['orchestral', 'cinematic'],
  ['soundtrack', 'cinematic'],
  ['film score', 'cinematic'],
  ['시네마틱', 'cinematic'],
  ['영화음악', 'cinematic'],
  ['오케스트라', 'cinematic'],
  ['ost', 'cinematic'],
  ['ballad', 'ballad'],
  ['발라드', 'ballad'],
  ['jazz', 'jazz'],
  ['swing', 'jazz'],
  ['bossa', 'jazz'],
  ['재즈', 'jazz'],
  ['스윙', 'jazz'],
  ['rock', 'rock'],
  ['punk', 'rock'],
  ['metal', 'rock'],
  ['록', 'rock'],
  ['락', 'rock'],
  ['펑크', 'rock'],
  ['folk', 'folk'],
  ['country', 'folk'],
  ['acoustic', 'folk'],
  ['포크', 'folk'],
  ['컨트리', 'folk'],
  ['어쿠스틱', 'folk'],
  ['pop', 'pop'],
  ['팝', 'pop'],
];

const MOOD_WORDS: [string, Mood][] = [
  ['happy', 'happy'],
  ['bright', 'happy'],
  ['cheerful', 'happy'],
  ['joyful', 'happy'],
  ['sunny', 'happy'],
  ['fun', 'happy'],
  ['밝은', 'happy'],
  ['밝게', 'happy'],
  ['행복', 'happy'],
  ['즐거운', 'happy'],
  ['경쾌', 'happy'],
  ['신나', 'energetic'],
  ['sad', 'sad'],
  ['melancholy', 'sad'],
  ['melancholic', 'sad'],
  ['lonely', 'sad'],
  ['nostalgic', 'sad'],
  ['emotional', 'sad'],
  ['슬픈', 'sad'],
  ['슬프', 'sad'],
  ['우울', 'sad'],
  ['쓸쓸', 'sad'],
  ['애절', 'sad'],
  ['그리운', 'sad'],
  ['감성', 'sad'],
  ['calm', 'calm'],
  ['chill', 'calm'],
  ['relaxed', 'calm'],
  ['relaxing', 'calm'],
  ['peaceful', 'calm'],
  ['soft', 'calm'],
  ['gentle', 'calm'],
  ['잔잔', 'calm'],
  ['차분', 'calm'],
  ['편안', 'calm'],
  ['평화', 'calm'],
  ['부드러운', 'calm'],
  ['energetic', 'energetic'],
  ['upbeat', 'energetic'],
  ['powerful', 'energetic'],
  ['exciting', 'energetic'],
  ['intense', 'energetic'],
  ['driving', 'energetic'],
  ['강렬', 'energetic'],
  ['힘찬', 'energetic'],
  ['파워풀', 'energetic'],
  ['에너지', 'energetic'],
  ['신난', 'energetic'],
  ['dark', 'dark'],
  ['epic', 'dark'],
  ['tense', 'dark'],
  ['mysterious', 'dark'],
  ['어두운', 'dark'],
  ['웅장', 'dark'],
  ['긴장', 'dark'],
  ['신비', 'dark'],
  ['romantic', 'romantic'],
  ['love', 'romantic'],
  ['sweet', 'romantic'],
  ['warm', 'romantic'],
  ['로맨틱', 'romantic'],
  ['사랑', 'romantic'],
  ['달콤', 'romantic'],
  ['따뜻', 'romantic'],
  ['dreamy', 'dreamy'],
  ['ambient', 'dreamy'],
  ['ethereal', 'dreamy'],
  ['몽환', 'dreamy'],
  ['꿈같', 'dreamy'],
];

const INSTRUMENT_WORDS: [string, Instrument][] = [
  ['electric piano', 'epiano'],
  ['e-piano', 'epiano'],
  ['rhodes', 'epiano'],
  ['일렉 피아노', 'epiano'],
  ['일렉피아노', 'epiano'],
  ['로즈', 'epiano'],
  ['electric guitar', 'electric-guitar'],
  ['일렉 기타', 'electric-guitar'],
  ['일렉기타', 'electric-guitar'],
  ['전기 기타', 'electric-guitar'],
  ['acoustic guitar', 'guitar'],
  ['어쿠스틱 기타', 'guitar'],
  ['통기타', 'guitar'],
  ['piano', 'piano'],
  ['keys', 'piano'],
  ['피아노', 'piano'],
  ['건반', 'piano'],
  ['organ', 'organ'],
  ['오르간', 'organ'],
  ['guitar', 'guitar'],
  ['기타', 'guitar'],
  ['bass', 'bass'],
  ['베이스', 'bass'],
  ['drums', 'drums'],
  ['drum', 'drums'],
  ['percussion', 'drums'],
  ['드럼', 'drums'],
  ['타악기', 'drums'],
  ['strings', 'strings'],
  ['string', 'strings'],
  ['orchestra', 'strings'],
  ['스트링', 'strings'],
  ['현악', 'strings'],
  ['violin', 'violin'],
  ['바이올린', 'violin'],
  ['cello', 'cello'],
  ['첼로', 'cello'],
  ['synthesizer', 'synth'],
  ['synth', 'synth'],
  ['신디사이저', 'synth'],
  ['신시사이저', 'synth'],
  ['신스', 'synth'],
  ['pad', 'pad'],
  ['패드', 'pad'],
  ['brass', 'brass'],
  ['horns', 'brass'],
  ['브라스', 'brass'],
  ['금관', 'brass'],
  ['trumpet', 'trumpet'],
  ['트럼펫', 'trumpet'],
  ['saxophone', 'sax'],
  ['sax', 'sax'],
  ['색소폰', 'sax'],
  ['섹소폰', 'sax'],
  ['flute', 'flute'],
  ['플루트', 'flute'],
  ['플룻', 'flute'],
  ['bells', 'bell'],
  ['bell', 'bell'],
  ['glockenspiel', 'bell'],
  ['celesta', 'bell'],
  ['music box', 'bell'],
  ['벨', 'bell'],
  ['종소리', 'bell'],
  ['오르골', 'bell'],
];

const FEEL_WORDS: [string, TempoFeel][] = [
  ['fast', 'fast'],
  ['quick', 'fast'],
  ['double time', 'fast'],
  ['up-tempo', 'fast'],
  ['uptempo', 'fast'],
  ['빠른', 'fast'],
  ['빠르게', 'fast'],
  ['빠르', 'fast'],
  ['slow', 'slow'],
  ['half time', 'slow'],
  ['laid-back', 'slow'],
  ['laid back', 'slow'],
  ['느린', 'slow'],
  ['느리게', 'slow'],
  ['느긋', 'slow'],
];

/** Where each keyword occurs; a keyword already covered by a longer match is skipped. */
function matches<T>(text: string, table: [string, T][]): { at: number; value: T }[] {
  const taken: [number, number][] = [];
  const found: { at: number; value: T }[] = [];
  const sorted = [...table].sort((a, b) => b[0].length - a[0].length);
  for (const [word, value] of sorted) {
    const ascii = /^[a-z0-9&\- ]+$/.test(word);
    // English words must stand alone ("rap" is not in "trap door", "pad" not in "padded"). Korean
    // attaches particles and endings to its words, so a Korean keyword may start a longer word,
    // but a one-syllable one must start it ("록" is rock, "기록" a record).
    const re = ascii
      ? new RegExp(`(?<![a-z])${word.replace(/[&-]/g, '\\$&')}(?:s|es)?(?![a-z])`, 'g')
      : new RegExp(word.length === 1 ? `(?<![가-힣])${word}` : word, 'g');
    for (const m of text.matchAll(re)) {
      const span: [number, number] = [m.index, m.index + m[0].length];
      if (taken.some(([a, b]) => span[0] < b && a < span[1])) continue;
      taken.push(span);
      found.push({ at: m.index, value });
    }
  }
  return found.sort((a, b) => a.at - b.at);
}

export function readPrompt(prompt: string): PromptReading {
  const text = prompt.toLowerCase();
  const first = <T>(table: [string, T][]): T | null => matches(text, table)[0]?.value ?? null;
  const instruments: Instrument[] = [];
  for (const { value } of matches(text, INSTRUMENT_WORDS)) if (!instruments.includes(value)) instruments.push(value);
  const bpmMatch = /(\d{2,3})\s*(?:bpm|비피엠)|(?:bpm|tempo|템포)\s*[:=]?\s*(\d{2,3})/.exec(text);
  const bpmValue = bpmMatch ? Number(bpmMatch[1] ?? bpmMatch[2]) : null;
  return {
    genre: first(GENRE_WORDS),
    mood: first(MOOD_WORDS),
    instruments,
    feel: first(FEEL_WORDS),
    bpm: bpmValue !== null && bpmValue >= 40 && bpmValue <= 240 ? bpmValue : null,
  };
}

/** A genre or mood field as given by a client ("Lo-Fi", "슬픈"), read through the same keywords. */
export const genreOf = (value: string | null | undefined): Genre | null => (value ? readPrompt(value).genre : null);
export const moodOf = (value: string | null | undefined): Mood | null => (value ? readPrompt(value).mood : null);
export const instrumentsOf = (values: string[]): Instrument[] => [...new Set(values.flatMap((v) => readPrompt(v).instruments))];
