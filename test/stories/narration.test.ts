import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeSpeech } from '../../src-server/ai/pipelines/supertonic';
import { ttsModelsRoot } from '../../src-server/families/stories/engines/narrator';
import { bearer, makeTestApp, signUp, type SignedIn, type TestApp } from '../helpers/app';
import { requests } from '../helpers/inject';
import { postStory, settled } from './helpers';
import { TINY_SUPERTONIC, writeTinySupertonic } from './tiny-supertonic';

/** The entries of a ZIP file in order, read from its local headers (what an EPUB reader checks first). */
function unzip(bytes: Buffer): { name: string; method: number; extra: number; data: Buffer }[] {
  const out = [];
  let at = 0;
  while (bytes.readUInt32LE(at) === 0x04034b50) {
    const method = bytes.readUInt16LE(at + 8);
    const size = bytes.readUInt32LE(at + 18);
    const nameLength = bytes.readUInt16LE(at + 26);
    const extra = bytes.readUInt16LE(at + 28);
    const name = bytes.toString('utf8', at + 30, at + 30 + nameLength);
    const start = at + 30 + nameLength + extra;
    const raw = bytes.subarray(start, start + size);
    const data = method === 8 ? zlib.inflateRawSync(raw) : raw;
    expect(zlib.crc32(data)).toBe(bytes.readUInt32LE(at + 14));
    out.push({ name, method, extra, data });
    at = start + size;
  }
  expect(bytes.readUInt32LE(at)).toBe(0x02014b50);
  return out;
}

describe('Supertonic narration (tiny model in the official four-graph layout)', () => {
  let t: TestApp;
  /** Requests with a user's access token. */
  const as = (token: string) => requests(() => t.app).as({ headers: bearer(token) });
  let user: SignedIn;
  let dir: string;
  beforeAll(async () => {
    t = await makeTestApp();
    user = await signUp(t.app, { name: 'Parent' });
  });
  afterAll(async () => t.close());

  it('without a voice model, chapters have no audio and the story says why', async () => {
    const res = await postStory(t.app, user.accessToken, { user_preferences: { length: 'short', language: 'en' } });
    const story = await settled(t.app, user.accessToken, res.json().data.id);
    expect(story.status).toBe('completed');
    expect(story.chapters.every((c) => c.audio === null)).toBe(true);
    expect((story as unknown as { narration: { reason: string; engine: null } }).narration).toMatchObject({
      engine: null,
      device: null,
      reason: expect.stringMatching(/No narration voice is installed.*models\/tts/),
    });
  });

  it('speaks every sentence in the worker, timed, in the chosen voice', async () => {
    dir = path.join(ttsModelsRoot(t.dataDir), 'tiny-supertonic');
    await writeTinySupertonic(dir);
    const texts = ['토끼가 숲으로 갔어요. It found a friend!', '둘은 함께 놀았어요.'];
    const a = await synthesizeSpeech(t.app.ai, { modelDir: dir, texts, language: 'ko', voice: 'F1', seed: 1 });
    expect(a.sampleRate).toBe(TINY_SUPERTONIC.sampleRate);
    expect(a.sentences.map((s) => s.text)).toEqual(['토끼가 숲으로 갔어요.', 'It found a friend!', '둘은 함께 놀았어요.']);
    expect(a.samples.length / a.sampleRate).toBeCloseTo(a.sentences.at(-1)!.end, 3);
    expect(a.sentences[1]!.start - a.sentences[0]!.end).toBeCloseTo(0.3, 3);
    expect(a.provider).toBe('cpu');
    expect(Math.max(...a.samples.map(Math.abs))).toBeGreaterThan(0.05);
    const again = await synthesizeSpeech(t.app.ai, { modelDir: dir, texts, language: 'ko', voice: 'F1', seed: 1 });
    expect(again.samples).toEqual(a.samples);
    const other = await synthesizeSpeech(t.app.ai, { modelDir: dir, texts, language: 'ko', voice: 'M1', seed: 1 });
    expect(other.samples).not.toEqual(a.samples);
    await expect(synthesizeSpeech(t.app.ai, { modelDir: dir, texts, language: 'ko', voice: 'Z9', seed: 1 })).rejects.toThrow(
      /No voice "Z9".*F1, M1/,
    );
  });

  it('refuses a folder missing a graph, naming it', async () => {
    const broken = path.join(t.dataDir, 'broken-tts');
    await writeTinySupertonic(broken);
    fs.rmSync(path.join(broken, 'onnx', 'vocoder.onnx'));
    await expect(synthesizeSpeech(t.app.ai, { modelDir: broken, texts: ['Hi.'], language: 'en', voice: 'F1', seed: 1 })).rejects.toThrow(
      /missing onnx\/vocoder\.onnx/,
    );
  });

  it('narrates each chapter of a story into a Range-served WAV with sentence timings, in the parent’s voice', async () => {
    const saved = await as(user.accessToken).patch('/api/v1/stories/settings', { narrator_voice: 'M1' });
    expect(saved.statusCode).toBe(200);
    const res = await postStory(t.app, user.accessToken, { user_preferences: { length: 'short', language: 'ko', characters: ['토끼'] } });
    const story = await settled(t.app, user.accessToken, res.json().data.id);
    expect(story.status).toBe('completed');
    const narration = (story as unknown as { narration: Record<string, string | null> }).narration;
    expect(narration).toEqual({ engine: 'supertonic-2 tiny-supertonic (voice M1, 5 steps)', device: 'cpu', voice: 'M1', reason: null });
    for (const c of story.chapters) {
      expect(c.audio).not.toBeNull();
      const sentences = (c as unknown as { audio_sentences: { text: string; start: number; end: number }[] }).audio_sentences;
      expect(sentences[0]!.text).toContain(c.title.replace(/[.!?]$/, ''));
      const url = new URL(c.audio!.url);
      const whole = await t.app.inject({ method: 'GET', url: url.pathname + url.search });
      expect(whole.statusCode).toBe(200);
      expect(whole.rawPayload.toString('latin1', 0, 4)).toBe('RIFF');
      expect(whole.rawPayload.readUInt32LE(24)).toBe(TINY_SUPERTONIC.sampleRate);
      const seconds = (whole.rawPayload.length - 44) / 2 / TINY_SUPERTONIC.sampleRate;
      expect(seconds).toBeCloseTo(sentences.at(-1)!.end, 2);
      const part = await t.app.inject({ method: 'GET', url: url.pathname + url.search, headers: { range: 'bytes=0-99' } });
      expect(part.statusCode).toBe(206);
      expect(part.rawPayload.length).toBe(100);
    }
    expect(fs.readdirSync(path.join(t.dataDir, 'files', 'stories', user.id, story.id)).filter((f) => f.includes('.part'))).toEqual([]);

    const book = await as(user.accessToken).get(`/api/v1/stories/${story.id}/export.epub`);
    expect(book.statusCode).toBe(200);
    expect(book.headers['content-type']).toBe('application/epub+zip');
    const entries = unzip(book.rawPayload);
    expect(entries[0]).toMatchObject({ name: 'mimetype', method: 0, extra: 0 });
    expect(entries[0]!.data.toString()).toBe('application/epub+zip');
    const names = entries.map((e) => e.name);
    expect(names).toContain('META-INF/container.xml');
    const opf = entries.find((e) => e.name === 'OEBPS/content.opf')!.data.toString();
    expect(opf).toContain(`urn:uuid:${story.id}`);
    expect(opf).toMatch(/properties="nav"/);
    const narrated = book.headers['x-atelier-narration'];
    for (const c of story.chapters) {
      const n = c.chapter_number;
      expect(names).toContain(`OEBPS/chapter-${n}.xhtml`);
      const xhtml = entries.find((e) => e.name === `OEBPS/chapter-${n}.xhtml`)!.data.toString();
      expect(xhtml).toContain('<span id="s1">');
      if (narrated === 'included') {
        expect(opf).toContain(`media-overlay="smil-${n}"`);
        const smil = entries.find((e) => e.name === `OEBPS/chapter-${n}.smil`)!.data.toString();
        expect(smil).toMatch(new RegExp(`chapter-${n}.xhtml#s1"/><audio src="audio/chapter-${n}.mp3" clipBegin="0.000s"`));
        expect(entries.find((e) => e.name === `OEBPS/audio/chapter-${n}.mp3`)!.data.length).toBeGreaterThan(100);
      }
    }
    expect(narrated).toBe('included');
  });
});
