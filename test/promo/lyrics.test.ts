import { describe, expect, it } from 'vitest';
import { neighbourhood, phoneWords, syllabify, writeLyrics } from '../../src-server/families/promo/lyrics/writer';
import { composeMelody, rhythm } from '../../src-server/families/promo/song/melody';
import { buildAss, CAPTION_PRESET_NAMES, karaokeText, type CaptionPreset } from '../../src-server/families/promo/video/captions';
import { blueMoon } from './helpers';

const facts = blueMoon;

describe('the jingle writer', () => {
  it('follows the song form: the name in the intro, twice in the chorus, the neighbourhood and the phone read digit by digit in the outro', () => {
    const sheet = writeLyrics(facts, { language: 'ko', form: 'full', seed: 1, mood: null });
    expect(sheet.lines.map((l) => l.section)).toEqual([
      'intro',
      'intro',
      'verse',
      'verse',
      'verse',
      'verse',
      'chorus',
      'chorus',
      'chorus',
      'chorus',
      'outro',
      'outro',
    ]);
    expect(sheet.category).toBe('cafe');
    expect(sheet.lines[0]!.text).toContain('블루문');
    expect(sheet.lines[6]!.text).toBe('블루문 블루문 라');
    // The particle follows the name's last syllable: 문 has a final consonant, so 이, not 가.
    expect(sheet.lines[7]!.text).toBe('블루문이 최고예요');
    expect(sheet.lines[10]!.text).toBe('역삼동의 블루문 라');
    expect(sheet.lines[11]!.text).toBe('전화 주세요 공이 일이삼사 오육칠팔');
    for (const line of sheet.lines) expect(line.syllables.join('')).toBe(line.text.replace(/[\s,]/g, ''));
    // Short lines are padded up to their syllable target.
    expect(sheet.lines[0]!.syllables.length).toBeGreaterThanOrEqual(6);
  });

  it('picks particles for a name ending in a vowel, and is the same song for the same seed', () => {
    const a = writeLyrics({ ...facts, name: '미소치과', category: 'Dentist' }, { language: 'ko', form: 'full', seed: 9, mood: null });
    expect(a.category).toBe('health');
    expect(a.mood).toBe('calm');
    expect(a.lines[7]!.text).toBe('미소치과가 최고예요');
    expect(writeLyrics(facts, { language: 'ko', form: 'full', seed: 4, mood: null })).toEqual(
      writeLyrics(facts, { language: 'ko', form: 'full', seed: 4, mood: null }),
    );
    const verses = (seed: number) =>
      writeLyrics(facts, { language: 'ko', form: 'full', seed, mood: null })
        .lines.filter((l) => l.section === 'verse')
        .map((l) => l.text);
    expect(new Set([1, 2, 3, 4, 5].map((s) => verses(s).join('/'))).size).toBeGreaterThan(1);
  });

  it('writes English too, reading the number one digit at a time', () => {
    const sheet = writeLyrics({ ...facts, name: 'Blue Moon' }, { language: 'en', form: 'short', seed: 2, mood: 'calm' });
    expect(sheet.lines.map((l) => l.text)).toEqual([
      'la la la Blue Moon la',
      'Blue Moon, Blue Moon la la la',
      'call oh two one two three four five six seven eight',
    ]);
    expect(phoneWords('02-1234-5678', 'ko')).toBe('공이 일이삼사 오육칠팔');
    expect(syllabify('little coffee')).toEqual(['li', 'ttle', 'co', 'ffee']);
    expect(neighbourhood('서울특별시 강남구 역삼동 123-45')).toBe('역삼동');
  });
});

describe('melody and captions', () => {
  it("gives every syllable one note inside its line's bars, and times the karaoke sweep to those notes", () => {
    const sheet = writeLyrics(facts, { language: 'ko', form: 'short', seed: 3, mood: null });
    const melody = composeMelody(sheet, { seed: 3, name: facts.name });
    expect(melody.notes).toHaveLength(sheet.lines.reduce((n, l) => n + l.syllables.length, 0));
    expect(melody.grid.bars).toBe(7);
    for (const line of melody.lines) {
      for (const s of melody.syllables.filter((x) => x.line === line.index)) {
        expect(s.startSec).toBeGreaterThanOrEqual(line.startSec - 1e-9);
        expect(s.endSec).toBeLessThanOrEqual(line.endSec + 1e-9);
      }
    }
    expect(rhythm(8, 2).reduce((a, b) => a + b, 0)).toBe(28);

    const ass = buildAss(
      sheet,
      melody,
      { title: '블루문', phone: '02-1234-5678', callToAction: '지금 방문하세요!', brand: '#1e3a8a' },
      { width: 320, height: 180, durationSec: melody.grid.bars * melody.grid.barSec + 2 },
    );
    expect(ass).toContain('PlayResX: 320');
    const karaoke = ass.split('\n').filter((l) => l.startsWith('Dialogue: 0,'));
    expect(karaoke).toHaveLength(3);
    // Each line's sweeps add up to where its last note ends, measured from the event's start.
    karaoke.forEach((event, i) => {
      const start = event.split(',')[1]!;
      const [h, m, s] = start.split(':').map(Number);
      const startSec = h! * 3600 + m! * 60 + s!;
      const total = [...event.matchAll(/\\kf?(\d+)/g)].reduce((sum, x) => sum + Number(x[1]), 0) / 100;
      const notes = melody.syllables.filter((x) => x.line === i);
      expect(startSec).toBeCloseTo(notes[0]!.startSec - 0.3, 1);
      expect(startSec + total).toBeCloseTo(notes[notes.length - 1]!.endSec, 1);
    });
    expect(karaokeText('블루문 블루문', [{ text: '블', startSec: 1, endSec: 1.5 }], 0.5)).toBe('{\\k50}{\\kf50}블');
  });

  it('draws each caption preset in its own size, place and highlight, with the same timing', () => {
    const sheet = writeLyrics(facts, { language: 'ko', form: 'short', seed: 3, mood: null });
    const melody = composeMelody(sheet, { seed: 3, name: facts.name });
    const card = { title: '블루문', phone: '02-1234-5678', callToAction: '지금 방문하세요!', brand: '#1e3a8a' };
    const style = (preset: CaptionPreset) => {
      const ass = buildAss(sheet, melody, card, { width: 1080, height: 1920, durationSec: 20, preset });
      const fields = ass
        .split('\n')
        .find((l) => l.startsWith('Style: Karaoke,'))!
        .slice(7)
        .split(',');
      const timing = ass
        .split('\n')
        .filter((l) => l.startsWith('Dialogue: 0,'))
        .map((l) => [...l.matchAll(/\\kf?(\d+)/g)].map((m) => m[1]).join(' '));
      return { size: Number(fields[2]), primary: fields[3], border: Number(fields[15]), alignment: Number(fields[18]), ass, timing };
    };
    const classic = style('classic');
    expect(classic).toMatchObject({ size: 81, alignment: 2, border: 1, primary: '&H004AD5FF' });
    expect(classic.ass).toContain('\\kf');
    const bold = style('bold');
    expect(bold).toMatchObject({ alignment: 5, border: 3 });
    expect(bold.size).toBeGreaterThan(classic.size);
    // Bold lights each syllable at once (\k), the others sweep through it (\kf).
    expect(bold.ass).not.toContain('\\kf');
    expect(style('top').alignment).toBe(8);
    expect(style('minimal').size).toBeLessThan(classic.size);
    expect(new Set(CAPTION_PRESET_NAMES.map((p) => style(p).timing.join('|'))).size).toBe(1);
  });
});
