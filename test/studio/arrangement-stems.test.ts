import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Composer, ComposeInput } from '../../src-server/compose/composer';
import { makeTestApp, type TestApp } from '../helpers/app';
import { requests } from '../helpers/inject';
import { errorOf, makeStudioSamples, putTo, studioUser, type StudioSamples, type StudioUser } from './helpers';

let samples: StudioSamples;
let t: TestApp;
let alice: StudioUser;
let bob: StudioUser;
let studioId: number;

/** A song in 96 BPM with two stems, as atelier-arranger hands them back. */
class StemsComposer implements Composer {
  readonly name = 'test stems';
  async compose(input: ComposeInput) {
    const write = (name: string) => {
      const file = path.join(input.workDir, name);
      fs.writeFileSync(file, samples.wav);
      return file;
    };
    return {
      file: write('song.wav'),
      tempo: 96,
      stems: [
        { name: 'drums', file: write('drums.wav') },
        { name: 'bass', file: write('bass.wav') },
      ],
    };
  }
}

beforeAll(async () => {
  samples = await makeStudioSamples();
});
afterAll(() => fs.rmSync(samples.dir, { recursive: true, force: true }));
beforeEach(async () => {
  t = await makeTestApp({}, { setup: (app) => app.studioComposer.install(new StemsComposer()) });
  alice = await studioUser(t.app, 'Alice');
  bob = await studioUser(t.app, 'Bob');
  studioId = (await as(alice).post('/api/work/studio', { studioName: 'Demo' })).json().data.studioId;
});
afterEach(async () => {
  await t.close();
});

const { as } = requests(() => t.app);

async function composedSong(): Promise<number> {
  const ticket = (await as(alice).get('/api/song/basic/presignedUrl')).json().data;
  await putTo(t.app, ticket.basicSongPresignedUrl, samples.wav);
  const basicSongId = (
    await as(alice).post(`/api/song/studios/${studioId}/basic/save`, { basicSongFilePath: ticket.basicSongFilePath, name: 'Hum' })
  ).json().data.songId;
  const jobId = (await as(alice).post(`/api/song/studios/${studioId}/ai`, { basicSongId })).json().data.jobId as string;
  for (let i = 0; i < 200 && t.app.jobs.get(jobId)?.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 25));
  return (await as(alice).get(`/api/song/ai/${studioId}`)).json().data[0].songId;
}

describe("a composed song's stems in the arrangement", () => {
  it('open as ready tracks, one lane each from bar 1, on the grid of the tempo the song was composed in', async () => {
    const songId = await composedSong();
    const res = await as(alice).post(`/api/work/studio/${studioId}/arrangement/stems`, { songId });
    expect(res.statusCode, res.body).toBe(201);
    const state = res.json().data;
    expect(state).toMatchObject({ version: 1, undo: 1, lastChange: expect.stringMatching(/^Open stems of /) });
    expect(state.arrangement.bpm).toBe(96);
    expect(
      state.arrangement.lanes.map((l: { name: string; clips: { start: number; offset: number }[] }) => [
        l.name.split(' · ')[1],
        l.clips.map((c) => [c.start, c.offset]),
      ]),
    ).toEqual([
      ['bass', [[0, 0]]],
      ['drums', [[0, 0]]],
    ]);
    const tracks = (await as(alice).get(`/api/work/studio/${studioId}`)).json().data.trackList;
    expect(tracks.map((tr: { instrumentName: string; status: string }) => [tr.instrumentName, tr.status])).toEqual([
      ['bass', 'ready'],
      ['drums', 'ready'],
    ]);
    // The mix of the opened stems is the song's parts summed: it plays.
    expect((await as(alice).get(`/api/work/studio/${studioId}/arrangement/mix`)).statusCode).toBe(200);
  });

  it('refuses a song without stems, a song of another studio and another account’s studio', async () => {
    const songId = await composedSong();
    const other = (await as(alice).post('/api/work/studio', { studioName: 'Other' })).json().data.studioId;
    expect((await as(alice).post(`/api/work/studio/${other}/arrangement/stems`, { songId })).json()).toEqual(errorOf('SONG_NOT_FOUND'));
    const basic = (await as(alice).get(`/api/song/${studioId}`)).json().data.find((s: { songId: number }) => s.songId !== songId).songId;
    expect((await as(alice).post(`/api/work/studio/${studioId}/arrangement/stems`, { songId: basic })).json()).toEqual(
      errorOf('FILE_NOT_FOUND'),
    );
    expect((await as(bob).post(`/api/work/studio/${studioId}/arrangement/stems`, { songId })).statusCode).toBe(403);
  });
});
