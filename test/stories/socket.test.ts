import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src-server/config';
import { encodeAudio } from '../../src-server/media/ffmpeg';
import { startServer, type RunningServer } from '../../src-server/server';
import { tempDataDir } from '../helpers/app';
import { readWav } from '../helpers/wav';
import { postStory, settled, wavBytes } from './helpers';
import { writeTinyChatterbox } from './tiny-chatterbox';
import { writeTinySpeakerModel } from './tiny-speaker';
import { to16k } from '../../src-server/ai/pipelines/speaker';
import { writeTinySupertonic } from './tiny-supertonic';

type Frame = Record<string, unknown> & { type: string };

let server: RunningServer;
let dataDir: string;
let token: string;
let otherToken: string;
const sockets: WebSocket[] = [];
const { samples: speech } = readWav(fileURLToPath(new URL('../fixtures/speech-16k.wav', import.meta.url)));

beforeAll(async () => {
  dataDir = tempDataDir('atelier-stories-ws-');
  server = await startServer({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent', rateLimitMax: 100_000 }), logger: false });
  const user = await server.app.auth.register({ name: 'Parent', email: 'parent@example.com', password: 'correct horse 42' });
  token = server.app.auth.startSession(user.id).accessToken;
  const other = await server.app.auth.register({ name: 'Other', email: 'other@example.com', password: 'correct horse 42' });
  otherToken = server.app.auth.startSession(other.id).accessToken;
});

afterAll(async () => {
  for (const s of sockets) s.terminate();
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A client that queues every frame it receives, so a test can take them in order. */
class Client {
  private frames: Frame[] = [];
  private waiters: ((f: Frame) => void)[] = [];
  closed: { code: number } | null = null;
  readonly closing: Promise<number>;
  constructor(readonly ws: WebSocket) {
    this.closing = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('message', (data, binary) => {
      if (binary) return;
      const frame = JSON.parse(data.toString()) as Frame;
      const waiter = this.waiters.shift();
      if (waiter) waiter(frame);
      else this.frames.push(frame);
    });
    ws.on('close', (code) => (this.closed = { code }));
  }
  next(): Promise<Frame> {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame came')), 20_000);
      this.waiters.push((f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }
  async until(type: string): Promise<Frame> {
    for (;;) {
      const f = await this.next();
      if (f.type === type) return f;
    }
  }
  send(frame: object | string | Buffer): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }
}

function url(query: string, pathname = '/wss/v1/audio'): string {
  return `${server.url.replace(/^http/, 'ws')}${pathname}?${query}`;
}

async function connect(query = `token=${token}&child_name=Mia&age=6`, pathname?: string): Promise<Client> {
  const ws = new WebSocket(url(query, pathname));
  sockets.push(ws);
  const client = new Client(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  expect((await client.next()).type).toBe('connected');
  return client;
}

/** A conversation begun, with a parent's consent to keep their voice recorded. */
async function parentConsented(): Promise<Client> {
  const c = await connect();
  c.send({ type: 'start_conversation', payload: {} });
  await c.until('ai_response');
  c.send({ type: 'voice_consent', consent: true, speaker: 'parent' });
  await c.until('voice_consent_recorded');
  return c;
}

function refusal(query: string): Promise<{ status: number; body: { success: boolean; error: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url(query));
    ws.on('open', () => reject(new Error('upgraded, expected a refusal')));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    ws.on('error', () => {});
  });
}

describe('the conversation socket', () => {
  it('refuses a missing, forged or expired token and a bad age before the upgrade', async () => {
    expect(await refusal('child_name=Mia')).toMatchObject({ status: 401, body: { success: false, error: { code: 'INVALID_TOKEN' } } });
    expect(await refusal('token=forged.token.here')).toMatchObject({ status: 401, body: { error: { code: 'INVALID_TOKEN' } } });
    expect(await refusal(`token=${token}&age=old`)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_ERROR' } } });
  });

  it('holds a conversation, stores it, and POST /stories writes a story from it that names the child', async () => {
    const c = await connect();
    c.send({ type: 'start_conversation', payload: { child_name: 'Mia', age: 6, interests: ['dragons'] } });
    const started = await c.next();
    expect(started).toMatchObject({ type: 'conversation_started', child_name: 'Mia', age: 6, language: 'en' });
    const greeting = await c.next();
    expect(greeting).toMatchObject({ type: 'ai_response', audio_url: null, user_text: null });
    expect(greeting.text).toMatch(/Mia/);
    for (const answer of ['a brave rabbit', 'the snowy mountains', 'a wise turtle']) {
      c.send({ type: 'user_message', text: answer });
      const reply = await c.next();
      expect(reply).toMatchObject({ type: 'ai_response', user_text: answer, audio_url: null, engine: expect.stringMatching(/built-in/) });
    }
    c.send({ type: 'end_conversation' });
    const ended = await c.next();
    expect(ended).toMatchObject({
      type: 'conversation_ended',
      elements: { hero: 'a brave rabbit', place: 'the snowy mountains', friend: 'a wise turtle', problem: null },
    });

    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/stories',
      headers: { authorization: `Bearer ${token}` },
      payload: { conversation_id: ended.conversation_id, user_preferences: { length: 'short' } },
    });
    expect(res.statusCode).toBe(202);
    const progress = await c.until('story_progress');
    expect(progress.story_id).toBe(res.json().data.id);
    const story = await settled(server.app, token, res.json().data.id);
    expect(story.status).toBe('completed');
    for (const ch of story.chapters) expect(ch.content).toContain('Mia');
    const foreign = await server.app.inject({
      method: 'POST',
      url: '/api/v1/stories',
      headers: { authorization: `Bearer ${otherToken}` },
      payload: { conversation_id: ended.conversation_id },
    });
    expect([foreign.statusCode, foreign.json().error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('answers every bad frame with an error code and stays open', async () => {
    const c = await connect(`token=${token}`, '/ws/v1/audio');
    const bad: [string | Buffer | object, string][] = [
      ['{"type":', 'INVALID_JSON'],
      [{ type: 'sing_a_song' }, 'UNKNOWN_MESSAGE_TYPE'],
      [[1, 2, 3], 'VALIDATION_ERROR'],
      [{ type: 'user_message', text: 'hi' }, 'CONVERSATION_NOT_STARTED'],
      [Buffer.from('RIFF....'), 'CONVERSATION_NOT_STARTED'],
      [{ type: 'user_message', text: 'x'.repeat(70_000) }, 'FRAME_TOO_LARGE'],
      [{ type: 'start_conversation', payload: { child_name: '' } }, 'VALIDATION_ERROR'],
      [{ type: 'resume_conversation', conversation_id: 'nope' }, 'CONVERSATION_NOT_FOUND'],
      [{ type: 'end_conversation' }, 'CONVERSATION_NOT_STARTED'],
    ];
    for (const [frame, code] of bad) {
      c.send(frame);
      const reply = await c.next();
      expect(reply, JSON.stringify(frame).slice(0, 60)).toMatchObject({ type: 'error', error_code: code });
      expect(typeof reply.error_message).toBe('string');
    }
    c.send({ type: 'start_conversation', payload: { child_name: '민준', age: 5 } });
    expect(await c.next()).toMatchObject({ type: 'conversation_started', language: 'ko' });
    await c.next();
    c.send({ type: 'user_message', text: '' });
    expect(await c.next()).toMatchObject({ type: 'error', error_code: 'VALIDATION_ERROR' });
    c.send({ type: 'user_message', text: '총으로 쏘는 괴물' });
    const flagged = await c.next();
    expect(flagged).toMatchObject({ type: 'ai_response', flagged: true, elements: { hero: null } });
    expect(JSON.stringify(flagged)).not.toContain('총으로');
    c.send({ type: 'ping', t: 5 });
    expect(await c.next()).toMatchObject({ type: 'pong', t: 5 });
    expect(c.closed).toBeNull();
  });

  it('lets a dropped client resume its conversation by id, and only its own', async () => {
    const first = await connect();
    first.send({ type: 'start_conversation', payload: {} });
    const { conversation_id: id } = await first.next();
    await first.next();
    first.send({ type: 'user_message', text: 'a purple dragon' });
    await first.next();
    first.ws.terminate();

    const again = await connect();
    again.send({ type: 'resume_conversation', conversation_id: id });
    const resumed = await again.next();
    expect(resumed).toMatchObject({
      type: 'conversation_resumed',
      conversation_id: id,
      status: 'open',
      child_name: 'Mia',
      elements: { hero: 'a purple dragon' },
    });
    expect((resumed.turns as unknown[]).length).toBe(3);
    again.send({ type: 'user_message', text: 'a candy castle' });
    expect(await again.next()).toMatchObject({ type: 'ai_response', elements: { hero: 'a purple dragon', place: 'a candy castle' } });
    again.send({ type: 'end_conversation' });
    await again.next();
    again.send({ type: 'user_message', text: 'more' });
    expect(await again.next()).toMatchObject({ type: 'error', error_code: 'CONVERSATION_ENDED' });

    const stranger = await connect(`token=${otherToken}`);
    stranger.send({ type: 'resume_conversation', conversation_id: id });
    expect(await stranger.next()).toMatchObject({ type: 'error', error_code: 'CONVERSATION_NOT_FOUND' });
  });

  it('checks voice samples: consent first, an adult only, too quiet, clipped or unreadable rejected, progress after each, and a named missing model at the end', async () => {
    const c = await connect();
    c.send({ type: 'start_conversation', payload: {} });
    await c.next();
    await c.next();
    const sample = wavBytes(speech);
    c.send(sample);
    expect(await c.next()).toMatchObject({ type: 'error', error_code: 'VOICE_CONSENT_REQUIRED' });
    c.send({ type: 'voice_consent', consent: true, speaker: 'child' });
    expect(await c.next()).toMatchObject({ type: 'error', error_code: 'CHILD_VOICE_NOT_ALLOWED' });
    c.send({ type: 'voice_consent', consent: true, speaker: 'parent' });
    expect(await c.next()).toMatchObject({ type: 'voice_consent_recorded' });

    c.send(wavBytes(new Float32Array(16_000 * 2)));
    expect(await c.next()).toMatchObject({ type: 'error', error_code: 'NOT_ENOUGH_SPEECH' });
    c.send(wavBytes(speech.map((x) => x * 40)));
    expect(await c.next()).toMatchObject({ type: 'error', error_code: 'SAMPLE_CLIPPED' });
    c.send(Buffer.from('this is not audio at all, just some text bytes'));
    expect(await c.next()).toMatchObject({ type: 'error', error_code: 'AUDIO_DECODE_FAILED' });

    // One sample as Ogg/Opus, as a browser's MediaRecorder would send it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-opus-'));
    const opus = path.join(dir, 'sample.ogg');
    await encodeAudio(speech, { sampleRate: 16_000, channels: 1, output: opus });
    const samples = [fs.readFileSync(opus), sample, sample, sample, sample];
    fs.rmSync(dir, { recursive: true, force: true });
    for (let i = 0; i < samples.length; i++) {
      c.send(samples[i]!);
      const progress = await c.next();
      expect(progress).toMatchObject({ type: 'voice_clone_progress', sample_count: i + 1, ready_for_cloning: i === 4 });
      expect(progress.voiced_seconds as number).toBeGreaterThan(2 * (i + 1));
    }
    const missing = await c.next();
    expect(missing).toMatchObject({ type: 'error', error_code: 'VOICE_MODEL_MISSING' });
    expect(missing.error_message).toMatch(/Chatterbox Multilingual.*speaker-embedding/);
    expect(c.closed).toBeNull();
  });

  it('with a speaker model, refuses a second voice and answers the preset narrator voice closest to the parent’s', async () => {
    const models = path.join(dataDir, 'models');
    await writeTinySpeakerModel(path.join(models, 'speaker', 'tiny-wespeaker'));
    await writeTinySupertonic(path.join(models, 'tts', 'tiny-supertonic'));
    try {
      const c = await parentConsented();
      const sample = wavBytes(speech);
      c.send(sample);
      expect(await c.next()).toMatchObject({ type: 'voice_clone_progress', sample_count: 1 });
      // The same recording two and a half times as fast, said three times: a much higher voice, not the same person.
      const high = to16k(speech, 40_000);
      c.send(wavBytes(Float32Array.from({ length: high.length * 3 }, (_, i) => high[i % high.length]!)));
      expect(await c.next()).toMatchObject({ type: 'error', error_code: 'SECOND_SPEAKER' });
      for (let i = 2; i <= 5; i++) {
        c.send(sample);
        expect(await c.next()).toMatchObject({ type: 'voice_clone_progress', sample_count: i });
      }
      const success = await c.next();
      expect(success).toMatchObject({
        type: 'voice_clone_success',
        match: 'closest_preset',
        engine: 'closest preset of supertonic-2 tiny-supertonic (speaker model tiny_wespeaker.onnx)',
        device: 'cpu',
      });
      expect(['F1', 'M1']).toContain(success.voice_id);
      const settings = await server.app.inject({
        method: 'GET',
        url: '/api/v1/stories/settings',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(settings.json().data).toMatchObject({
        narrator_voice: success.voice_id,
        voice_match: { voice: success.voice_id, similarity: success.similarity },
        voice_consent_at: expect.any(String),
      });
    } finally {
      fs.rmSync(path.join(models, 'speaker'), { recursive: true, force: true });
      fs.rmSync(path.join(models, 'tts'), { recursive: true, force: true });
    }
  });

  it('with Chatterbox installed, keeps the parent’s voice as encoder tensors, narrates in it, and forgets it in one delete', async () => {
    const models = path.join(dataDir, 'models');
    await writeTinySupertonic(path.join(models, 'tts', 'tiny-supertonic'));
    await writeTinyChatterbox(path.join(models, 'tts', 'chatterbox'));
    const voices = path.join(dataDir, 'stories', 'voices');
    try {
      const c = await parentConsented();
      for (let i = 1; i <= 5; i++) {
        c.send(wavBytes(speech));
        expect(await c.next()).toMatchObject({ type: 'voice_clone_progress', sample_count: i });
      }
      expect(await c.next()).toMatchObject({
        type: 'voice_clone_success',
        voice_id: 'your-voice',
        match: 'cloned',
        engine: 'chatterbox-multilingual chatterbox',
        device: 'cpu',
      });
      // Only the encoder's tensors are kept: no audio file, no RIFF bytes.
      const kept = fs.readdirSync(voices);
      expect(kept).toHaveLength(1);
      expect(fs.readFileSync(path.join(voices, kept[0]!), 'utf8')).toMatch(/^\{"model":"chatterbox","at":".*"tensors":\{"audioFeatures"/);

      const auth = { authorization: `Bearer ${token}` };
      const mine = await settled(
        server.app,
        token,
        (await postStory(server.app, token, { user_preferences: { length: 'short', language: 'ko' } })).json().data.id,
      );
      expect(mine.status).toBe('completed');
      expect((mine as unknown as { narration: object }).narration).toMatchObject({
        engine: 'chatterbox-multilingual chatterbox (your voice, cloned with consent)',
        voice: 'your voice',
        reason: null,
      });
      const audio = await server.app.inject({ method: 'GET', url: mine.chapters[0]!.audio!.url });
      expect(audio.rawPayload.toString('latin1', 0, 4)).toBe('RIFF');
      expect(audio.rawPayload.readUInt32LE(24)).toBe(24_000);

      const panel = (await server.app.inject({ method: 'GET', url: '/api/v1/stories/settings', headers: auth })).json().data;
      expect(panel.cloned_voice).toEqual({ engine: 'chatterbox-multilingual chatterbox', at: expect.any(String) });
      expect(panel.models).toContainEqual(
        expect.objectContaining({ kind: 'voice-cloning', name: 'chatterbox', licence: expect.stringMatching(/MIT/) }),
      );

      expect((await server.app.inject({ method: 'DELETE', url: '/api/v1/stories/settings/voice', headers: auth })).statusCode).toBe(204);
      expect(fs.readdirSync(voices)).toEqual([]);
      expect(
        (await server.app.inject({ method: 'GET', url: '/api/v1/stories/settings', headers: auth })).json().data.cloned_voice,
      ).toBeNull();
      const after = await settled(
        server.app,
        token,
        (await postStory(server.app, token, { user_preferences: { length: 'short', language: 'en' } })).json().data.id,
      );
      expect((after as unknown as { narration: { engine: string } }).narration.engine).toMatch(/^supertonic-2 tiny-supertonic/);
    } finally {
      fs.rmSync(path.join(models, 'tts'), { recursive: true, force: true });
    }
  });

  it('ends the socket when its sign-in is revoked', async () => {
    const user = await server.app.auth.register({ name: 'Leaving', email: 'leaving@example.com', password: 'correct horse 42' });
    const session = server.app.auth.startSession(user.id);
    const c = await connect(`token=${session.accessToken}`);
    server.app.auth.revokeSession(session.sessionId);
    expect(await c.next()).toMatchObject({ type: 'error', error_code: 'INVALID_TOKEN' });
    expect(await c.closing).toBe(4401);
  });
});
