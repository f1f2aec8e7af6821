import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioSongs } from '../../src-server/db/schema';
import { readPlan, type ArrangePlan } from '../../src-server/compose/plan';
import { songExtrasPrefix } from '../../src-server/families/studio/songs/service';
import { decodeAudio, encodeAudio } from '../../src-server/media/ffmpeg';
import { makeTestApp, type TestApp } from '../helpers/app';
import { errorOf, putTo, studioUser, type StudioUser } from '../studio/helpers';
import { A_MINOR_MELODY, synthesiseTake } from './melody';

// One app and one take for the whole file: two variants are composed once, then extended,
// remixed and partly redone, and each result is compared with its original by its samples.
const RATE = 44_100;

let dir: string;
let t: TestApp;
let alice: StudioUser;
let studioId: number;
let basicSongId: number;

const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, headers: alice.headers, payload });

async function waitForJob(id: string) {
  for (let i = 0; i < 3000; i++) {
    const job = t.app.jobs.get(id);
    if (job && ['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('job did not finish');
}

interface Made {
  songId: number;
  pcm: Float32Array;
  plan: ArrangePlan;
  title: string;
  genre: string | null;
}

/** Follows an accepted job to its song: the song's samples (stereo, 44.1 kHz) and its kept arrangement. */
async function songOf(res: { statusCode: number; body: string; json(): { data: { jobId: string } } }): Promise<Made> {
  expect(res.statusCode, res.body).toBe(202);
  const job = await waitForJob(res.json().data.jobId);
  expect(job.status, JSON.stringify(job.error)).toBe('completed');
  const songId = (job.result as { songId: number }).songId;
  const row = (await t.app.inject({ method: 'GET', url: `/api/song/${studioId}`, headers: alice.headers }))
    .json()
    .data.find((s: { songId: number }) => s.songId === songId);
  const { fileKey } = t.app.db.select().from(studioSongs).where(eq(studioSongs.id, songId)).get()!;
  const file = t.app.storage.absolutePath(fileKey);
  const plan = readPlan(fs.readFileSync(t.app.storage.absolutePath(`${songExtrasPrefix(fileKey)}/plan.json`), 'utf8'))!;
  return { songId, pcm: await decodeAudio(file, { sampleRate: RATE, channels: 2 }), plan, title: row.title, genre: row.genre };
}

/** Root-mean-square difference of two stretches of stereo frames. */
function rmsDiff(a: Float32Array, b: Float32Array, fromSec: number, toSec: number): number {
  const from = Math.round(fromSec * RATE) * 2;
  const to = Math.min(a.length, b.length, Math.round(toSec * RATE) * 2);
  let s = 0;
  for (let i = from; i < to; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / Math.max(1, to - from));
}

function maxDiff(a: Float32Array, b: Float32Array, fromSec: number, toSec: number): number {
  const from = Math.round(fromSec * RATE) * 2;
  const to = Math.min(a.length, b.length, Math.round(toSec * RATE) * 2);
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const seconds = (pcm: Float32Array) => pcm.length / 2 / RATE;
const barAt = (plan: ArrangePlan, bar: number) => plan.barsStartSec + bar * plan.grid.barSec;

let first: Made;
let second: Made;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-rework-'));
  // Four bars of the test melody sung at 100 BPM.
  const take = synthesiseTake({ sampleRate: 22_050, bpm: 100, notes: A_MINOR_MELODY.slice(0, 15), leadInSec: 0.5, tailSec: 0.5 });
  const file = path.join(dir, 'take.wav');
  await encodeAudio(take.samples, { sampleRate: 22_050, channels: 1, output: file });
  t = await makeTestApp();
  alice = await studioUser(t.app, 'Alice');
  studioId = (await post('/api/work/studio', { studioName: 'Cards' })).json().data.studioId;
  const ticket = (await t.app.inject({ method: 'GET', url: '/api/song/basic/presignedUrl', headers: alice.headers })).json().data;
  await putTo(t.app, ticket.basicSongPresignedUrl, fs.readFileSync(file));
  basicSongId = (
    await post(`/api/song/studios/${studioId}/basic/save`, { basicSongFilePath: ticket.basicSongFilePath, name: 'Hum', genre: 'pop' })
  ).json().data.songId;
  const ask = (variant: number) =>
    post(`/api/song/studios/${studioId}/ai`, {
      basicSongId,
      genre: 'pop',
      mood: 'happy',
      instruments: ['piano'],
      variant,
      title: `Hum ${variant}`,
    });
  // Both are queued at once, as the song cards ask for them.
  const [a, b] = await Promise.all([ask(0), ask(1)]);
  first = await songOf(a);
  second = await songOf(b);
}, 900_000);

afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('song variants and reworks', () => {
  it('makes two variants of one hum that differ in their audio but keep its melody', () => {
    expect(Math.abs(seconds(first.pcm) - seconds(second.pcm))).toBeLessThan(0.1);
    // Songs mastered to -14 LUFS sit around 0.1-0.2 RMS: variants differ by a good part of that.
    expect(rmsDiff(first.pcm, second.pcm, 0, seconds(first.pcm))).toBeGreaterThan(0.03);
    expect(second.plan.melody).toEqual(first.plan.melody);
    expect(second.plan.variant).toBe(1);
  });

  it('refuses what cannot be reworked, in the studio dialect', async () => {
    const vibe = await post(`/api/song/studios/${studioId}/ai`, { basicSongId, genre: 'polka' });
    expect(vibe.statusCode).toBe(400);
    expect(vibe.json()).toEqual(errorOf('UNKNOWN_VIBE', expect.stringContaining('polka')));
    expect((await post(`/api/song/${first.songId}/remix`, { mood: 'grumpy' })).json()).toEqual(
      errorOf('UNKNOWN_VIBE', expect.stringContaining('grumpy')),
    );
    const take = await post(`/api/song/${basicSongId}/extend`, { bars: 2 });
    expect(take.statusCode).toBe(409);
    expect(take.json()).toEqual(errorOf('NOT_ARRANGED', expect.stringContaining('atelier-arranger')));
    const past = await post(`/api/song/${first.songId}/replace`, { fromBar: 2, toBar: first.plan.grid.bars + 1 });
    expect(past.statusCode).toBe(400);
    expect(past.json()).toEqual(errorOf('SECTION_OUT_OF_RANGE', expect.stringContaining(`bars 1 to ${first.plan.grid.bars}`)));
    expect((await post(`/api/song/${first.songId}/replace`, { fromBar: 3, toBar: 2 })).json().error.code).toBe('SECTION_OUT_OF_RANGE');
    expect((await post(`/api/song/${first.songId}/extend`, { bars: 0 })).json().error.code).toBe('VALIDATION_ERROR');
    expect((await post(`/api/song/99999/extend`, { bars: 1 })).json()).toEqual(errorOf('SONG_NOT_FOUND'));
    const bob = await studioUser(t.app, 'Bob');
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/song/${first.songId}/extend`, headers: bob.headers, payload: { bars: 1 } }))
        .statusCode,
    ).toBe(403);
  });

  it('extends a song by the bars asked: longer by exactly them, its start sample for sample the same, the original kept', async () => {
    const longer = await songOf(await post(`/api/song/${first.songId}/extend`, { bars: 2 }));
    const barSec = first.plan.grid.barSec;
    expect(longer.plan.grid.bars).toBe(first.plan.grid.bars + 2);
    expect(Math.abs(seconds(longer.pcm) - (seconds(first.pcm) + 2 * barSec))).toBeLessThan(0.02);
    const oldEnd = barAt(first.plan, first.plan.grid.bars);
    expect(maxDiff(longer.pcm, first.pcm, 0, oldEnd)).toBe(0);
    // The new bars play: the continuation is not silence.
    expect(rmsDiff(longer.pcm, new Float32Array(longer.pcm.length), oldEnd + 0.1, oldEnd + 2 * barSec)).toBeGreaterThan(0.02);
    expect(longer.title).toBe('Hum 0 · extended');
    const list = (await t.app.inject({ method: 'GET', url: `/api/song/${studioId}`, headers: alice.headers })).json().data;
    expect(list.map((s: { songId: number }) => s.songId)).toEqual(expect.arrayContaining([first.songId, longer.songId]));
  }, 600_000);

  it('remixes with the same melody notes in another vibe', async () => {
    const jazz = await songOf(await post(`/api/song/${first.songId}/remix`, { genre: 'jazz', mood: 'calm' }));
    expect(jazz.genre).toBe('jazz');
    expect(jazz.plan.genre).toBe('jazz');
    expect(jazz.plan.melody.map((n) => [n.step, n.midi])).toEqual(first.plan.melody.map((n) => [n.step, n.midi]));
    expect(rmsDiff(jazz.pcm, first.pcm, 0, seconds(first.pcm))).toBeGreaterThan(0.03);
  }, 600_000);

  it('replaces only the chosen bars', async () => {
    const redone = await songOf(await post(`/api/song/${first.songId}/replace`, { fromBar: 2, toBar: 3 }));
    const from = barAt(first.plan, 1);
    const to = barAt(first.plan, 3);
    expect(Math.abs(seconds(redone.pcm) - seconds(first.pcm))).toBeLessThan(0.01);
    expect(maxDiff(redone.pcm, first.pcm, 0, from)).toBe(0);
    expect(maxDiff(redone.pcm, first.pcm, to, seconds(first.pcm))).toBe(0);
    expect(rmsDiff(redone.pcm, first.pcm, from, to)).toBeGreaterThan(0.02);
    expect(redone.plan.sections).toEqual([{ fromBar: 1, toBar: 3, variant: 1 }]);
  }, 600_000);
});
