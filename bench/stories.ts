// Stories figures (issue #12): per engine, seconds per chapter and the time to the partner's first
// word; the conversation socket's round trip under 50 concurrent conversations; narration's
// real-time factor (only the tiny generated Supertonic here: the plumbing, not a real voice).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { AiPool } from '../src-server/ai/pool';
import { synthesizeSpeech } from '../src-server/ai/pipelines/supertonic';
import { writeTinyChatModel } from '../test/stories/tiny-chat-model';
import { writeTinySupertonic } from '../test/stories/tiny-supertonic';
import { median, pct, startServer, stop, type Print, type Server } from './lib';

const STORIES = 5;
const CONVERSATIONS = 50;
const TURNS = 4;

async function signIn(server: Server): Promise<string> {
  const post = (url: string, body: object) =>
    fetch(`${server.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const email = `stories-${Date.now()}@example.com`;
  await post('/api/v1/auth/register', { email, password: 'bench password 1', name: 'Bench' });
  const login = (await (await post('/api/v1/auth/token', { user_id: email, password: 'bench password 1' })).json()) as {
    data: { access_token: string };
  };
  return login.data.access_token;
}

/** Median seconds per chapter over a few long stories, from the 202 to `completed`. */
async function secondsPerChapter(server: Server, token: string): Promise<{ perChapter: number; engine: string }> {
  const runs: number[] = [];
  let engine = '';
  for (let i = 0; i < STORIES; i++) {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/v1/stories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ user_preferences: { length: 'short', language: 'en', characters: ['a fox', 'an owl'] } }),
    });
    const id = ((await res.json()) as { data: { id: string } }).data.id;
    for (;;) {
      const story = (
        (await (await fetch(`${server.url}/api/v1/stories/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
          data: { status: string; chapters: unknown[]; engine: string; fail_reason: string | null };
        }
      ).data;
      if (story.status === 'failed') throw new Error(`story failed: ${story.fail_reason}`);
      if (story.status === 'completed') {
        runs.push((performance.now() - t0) / 1000 / story.chapters.length);
        engine = story.engine;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return { perChapter: median(runs), engine };
}

function open(server: Server, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/wss/v1/audio?token=${token}&child_name=Mia`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends a turn and resolves with [ms to the first delta or reply, ms to the whole reply]. */
function turn(ws: WebSocket, text: string): Promise<[number, number]> {
  const t0 = performance.now();
  let first: number | null = null;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const f = JSON.parse(data.toString()) as { type: string };
      if (f.type === 'ai_response_delta' && first === null) first = performance.now() - t0;
      if (f.type === 'ai_response') {
        ws.off('message', onMessage);
        const all = performance.now() - t0;
        resolve([first ?? all, all]);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'user_message', text }));
  });
}

async function startConversation(ws: WebSocket): Promise<void> {
  await new Promise<void>((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'ai_response') {
        ws.off('message', onMessage);
        resolve();
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'start_conversation', payload: {} }));
  });
}

/** Seconds of synthesis per second of speech for one chapter-sized passage, after a warm-up run. */
async function narrationRtf(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-tts-'));
  const pool = new AiPool();
  try {
    await writeTinySupertonic(dir);
    const texts = [
      'Once upon a time, a brave rabbit lived near the snowy mountains. Every morning it visited a wise turtle. ' +
        'One day the moon was lost, and the two friends set out to find it. They walked and walked until the stars came out.',
    ];
    await synthesizeSpeech(pool, { modelDir: dir, texts, language: 'en', voice: 'F1', seed: 1 });
    const started = performance.now();
    const spoken = await synthesizeSpeech(pool, { modelDir: dir, texts, language: 'en', voice: 'F1', seed: 2 });
    return (performance.now() - started) / 1000 / (spoken.samples.length / spoken.sampleRate);
  } finally {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function runStoriesBench(print: Print): Promise<void> {
  const server = await startServer();
  try {
    const token = await signIn(server);
    const builtin = await secondsPerChapter(server, token);
    print(`stories: seconds per chapter, ${builtin.engine}`, builtin.perChapter.toFixed(4));

    const sockets = await Promise.all(Array.from({ length: CONVERSATIONS }, () => open(server, token)));
    await Promise.all(sockets.map(startConversation));
    const trips: number[] = [];
    for (let t = 0; t < TURNS; t++) {
      const answers = await Promise.all(
        sockets.map((ws, i) => turn(ws, ['a fox', 'a forest', 'an owl', 'the moon is lost'][t]! + ` ${i}`)),
      );
      trips.push(...answers.map(([, all]) => all));
    }
    print(
      `stories: ws round trip, ${CONVERSATIONS} conversations at once, built-in partner p50 / p99 (ms)`,
      `${pct(trips, 50).toFixed(1)} / ${pct(trips, 99).toFixed(1)}`,
    );
    for (const ws of sockets) ws.terminate();

    // The tiny generated chat model: what the transformers.js plumbing costs, not a real model's speed.
    await writeTinyChatModel(path.join(server.dataDir, 'models', 'chat', 'tiny-qwen2'), 'Oh, a fox! Where does it live?');
    const ws = await open(server, token);
    await startConversation(ws);
    const firsts: number[] = [];
    for (let t = 0; t < TURNS; t++) firsts.push((await turn(ws, 'a fox'))[0]);
    ws.terminate();
    print('stories: ms to the first ai_response token, tiny chat model, first turn (loads the model)', firsts[0]!.toFixed(0));
    print('stories: ms to the first ai_response token, tiny chat model, later turns (median)', median(firsts.slice(1)).toFixed(0));
    print('stories: narration real-time factor, tiny Supertonic (synthesis s / audio s, warm)', (await narrationRtf()).toFixed(3));
  } finally {
    await stop(server);
  }
}
