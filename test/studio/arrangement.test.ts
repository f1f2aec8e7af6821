import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app';
import { requests } from '../helpers/inject';
import { errorOf, putTo, studioUser, type StudioUser } from './helpers';
import type { Arrangement, ArrangementState } from '../../src-shared/api/arrangement';

const RATE = 8000;

/** A 16-bit PCM WAV of the given channels (interleaved). */
function wav(channels: Float32Array[]): Buffer {
  const frames = channels[0]!.length;
  const data = Buffer.alloc(frames * channels.length * 2);
  for (let i = 0; i < frames; i++)
    channels.forEach((c, ch) => data.writeInt16LE(Math.round(c[i]! * 32767), (i * channels.length + ch) * 2));
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels.length, 22);
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * channels.length * 2, 28);
  h.writeUInt16LE(channels.length * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Interleaved stereo samples of a 16-bit WAV (the data chunk found by name). */
function readStereo(bytes: Buffer): { left: Float32Array; right: Float32Array } {
  let at = 12;
  while (bytes.toString('latin1', at, at + 4) !== 'data') at += 8 + bytes.readUInt32LE(at + 4);
  const size = bytes.readUInt32LE(at + 4);
  const frames = size / 4;
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    left[i] = bytes.readInt16LE(at + 8 + i * 4) / 32768;
    right[i] = bytes.readInt16LE(at + 10 + i * 4) / 32768;
  }
  return { left, right };
}

/** A ramp is easy to check sample by sample: each position has its own value. */
const ramp = (seconds: number, scale: number) => Float32Array.from({ length: seconds * RATE }, (_, i) => (scale * (i % 4000)) / 4000);

let t: TestApp;
let alice: StudioUser;
let bob: StudioUser;
let studioId: number;
let voice: number;
let guitar: number;

const { as, anon } = requests(() => t.app);

async function readyTrack(name: string, audio: Buffer): Promise<number> {
  const res = await as(alice).post(`/api/work/track/${studioId}`, { trackName: name, instrument: name.toLowerCase() });
  const created = res.json().data;
  await putTo(t.app, created.trackPresignedUrl, audio);
  await putTo(t.app, created.recordPresignedUrl, audio);
  return created.track.trackId as number;
}

const url = () => `/api/work/studio/${studioId}/arrangement`;
const read = async (user = alice): Promise<ArrangementState> => {
  const res = await as(user).get(url());
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
};
const write = (version: number, arrangement: Arrangement, label?: string) => as(alice).put(url(), { version, arrangement, label });

beforeEach(async () => {
  t = await makeTestApp();
  alice = await studioUser(t.app, 'Alice');
  bob = await studioUser(t.app, 'Bob');
  studioId = (await as(alice).post('/api/work/studio', { studioName: 'Demo' })).json().data.studioId;
  voice = await readyTrack('Voice', wav([ramp(2, 0.5)]));
  guitar = await readyTrack('Guitar', wav([ramp(1, 0.4), ramp(1, -0.4)]));
});
afterEach(async () => {
  await t.close();
});

describe('the arrangement document', () => {
  it('starts as one lane per ready take, whole takes at bar 1, version 0 with nothing to undo', async () => {
    const state = await read();
    expect(state).toMatchObject({ studioId, version: 0, undo: 0, redo: 0, lastChange: null });
    expect(state.arrangement).toMatchObject({ bpm: 100, beatsPerBar: 4, beatUnit: 4, loop: null });
    expect(state.arrangement.lanes.map((l) => [l.name, l.takes, l.clips.map((c) => [c.trackId, c.start, c.offset, c.length])])).toEqual([
      ['Voice', [voice], [[voice, 0, 0, 2]]],
      ['Guitar', [guitar], [[guitar, 0, 0, 1]]],
    ]);
  });

  it('stores each change as the next version, refuses a write made on an old version with 409, and keeps undo/redo across reads', async () => {
    const base = (await read()).arrangement;
    const moved = structuredClone(base);
    moved.lanes[0]!.clips[0]!.start = 1.2;
    const first = await write(0, moved, 'Move clip');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().data).toMatchObject({ version: 1, undo: 1, redo: 0, lastChange: 'Move clip' });

    // A second window still on version 0 would overwrite the move: refused, nothing changes.
    const stale = structuredClone(base);
    stale.bpm = 90;
    const refused = await write(0, stale);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual(errorOf('ARRANGEMENT_CONFLICT', expect.stringContaining('version 1 is current')));
    expect((await read()).arrangement.bpm).toBe(100);

    const undone = await as(alice).post(`${url()}/undo`, { version: 1 });
    expect(undone.json().data).toMatchObject({ version: 2, undo: 0, redo: 1 });
    expect((await read()).arrangement.lanes[0]!.clips[0]!.start).toBe(0);
    expect((await as(alice).post(`${url()}/undo`, { version: 2 })).json()).toEqual(errorOf('NOTHING_TO_UNDO'));
    expect((await as(alice).post(`${url()}/redo`, { version: 1 })).statusCode).toBe(409);

    const redone = await as(alice).post(`${url()}/redo`, { version: 2 });
    expect(redone.json().data).toMatchObject({ version: 3, undo: 1, redo: 0, lastChange: 'Move clip' });
    expect((await read()).arrangement.lanes[0]!.clips[0]!.start).toBe(1.2);
    expect((await as(alice).post(`${url()}/redo`, { version: 3 })).json()).toEqual(errorOf('NOTHING_TO_REDO'));

    // A new change after an undo drops what could have been redone.
    await as(alice).post(`${url()}/undo`, { version: 3 });
    const after = structuredClone(base);
    after.bpm = 120;
    expect((await write(4, after)).json().data).toMatchObject({ version: 5, undo: 1, redo: 0 });
  });

  it('refuses clips outside their take, takes of other studios and a backwards loop, in the studio dialect', async () => {
    const base = (await read()).arrangement;
    const long = structuredClone(base);
    long.lanes[1]!.clips[0]!.offset = 0.5; // the guitar take is 1 s: 0.5 + 1 reads past its end
    const res = await write(0, long);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(
      errorOf('INVALID_CLIP', 'Clip "t2c" on lane "Guitar" reads the take up to 1.500 s, but "Guitar" is only 1.000 s long'),
    );

    const otherStudio = (await as(bob).post('/api/work/studio', { studioName: 'Bob' })).json().data.studioId;
    const foreign = structuredClone(base);
    foreign.lanes[0]!.clips[0]!.trackId = 999;
    expect((await write(0, foreign)).json()).toEqual(errorOf('INVALID_CLIP', expect.stringContaining('track 999')));
    expect(otherStudio).toBeGreaterThan(studioId);

    const loop = { ...structuredClone(base), loop: { start: 4, end: 2 } };
    expect((await write(0, loop)).json()).toEqual(errorOf('INVALID_CLIP', expect.stringContaining('loop ends')));

    const twice = structuredClone(base);
    twice.lanes[1]!.clips[0]!.clipId = twice.lanes[0]!.clips[0]!.clipId;
    expect((await write(0, twice)).json()).toEqual(errorOf('VALIDATION_ERROR', expect.stringContaining('Two clips')));

    const negative = structuredClone(base);
    negative.lanes[0]!.clips[0]!.length = 0;
    expect((await write(0, negative)).json()).toEqual(errorOf('VALIDATION_ERROR'));
    // Nothing of the refused writes was stored.
    expect(await read()).toMatchObject({ version: 0, undo: 0 });
  });

  it("answers another account's studio with 403 and a missing one with 404, like the rest of the studio", async () => {
    expect((await as(bob).get(url())).json()).toEqual(errorOf('FORBIDDEN'));
    expect((await as(bob).put(url(), { version: 0, arrangement: (await read()).arrangement })).statusCode).toBe(403);
    expect((await as(bob).post(`${url()}/undo`, { version: 0 })).statusCode).toBe(403);
    expect((await as(bob).get(`${url()}/mix`)).statusCode).toBe(403);
    expect((await as(alice).get('/api/work/studio/9999/arrangement')).json()).toEqual(errorOf('STUDIO_NOT_FOUND'));
    expect((await anon().get(url())).statusCode).toBe(401);
  });

  it('drops the clips of a deleted take and gives a newly recorded take a lane of its own', async () => {
    const stored = (await read()).arrangement;
    stored.lanes[1]!.name = 'Rhythm';
    await write(0, stored);
    await as(alice).delete(`/api/work/track/${guitar}`);
    const piano = await readyTrack('Piano', wav([ramp(1, 0.2)]));
    const lanes = (await read()).arrangement.lanes;
    expect(lanes.map((l) => [l.name, l.clips.map((c) => c.trackId)])).toEqual([
      ['Voice', [voice]],
      ['Rhythm', []],
      ['Piano', [piano]],
    ]);
  });
});

describe('the mix of the arrangement', () => {
  it('renders clip edits, volume, pan, mute and solo sample for sample', async () => {
    const base = (await read()).arrangement;
    const doc = structuredClone(base);
    // Voice: the take from 0.5 s for 1 s, placed at 0.25 s, -6.02 dB, hard left.
    Object.assign(doc.lanes[0]!, { volume: 20 * Math.log10(0.5), pan: -1 });
    doc.lanes[0]!.clips[0] = { clipId: 'v1', trackId: voice, start: 0.25, offset: 0.5, length: 1 };
    // Guitar (stereo, L = -R): heard as their average, which is silence, centred.
    await write(0, doc);
    const mix = await as(alice).get(`${url()}/mix?sampleRate=${RATE}`);
    expect(mix.statusCode, mix.body).toBe(200);
    expect(mix.headers['content-type']).toBe('audio/wav');
    const { left, right } = readStereo(mix.rawPayload);
    expect(left.length).toBe(1.25 * RATE);
    const source = ramp(2, 0.5);
    let worst = 0;
    for (let i = 0; i < left.length; i++) {
      const expected = i < 0.25 * RATE ? 0 : 0.5 * source[i - 0.25 * RATE + 0.5 * RATE]!;
      worst = Math.max(worst, Math.abs(left[i]! - expected), Math.abs(right[i]!));
    }
    expect(worst).toBeLessThan(2 / 32768);

    // Solo the guitar: the voice goes silent; mute it too: nothing sounds.
    doc.lanes[1]!.solo = true;
    await write(1, doc);
    const soloed = readStereo((await as(alice).get(`${url()}/mix?sampleRate=${RATE}`)).rawPayload);
    expect(Math.max(...soloed.left.map(Math.abs))).toBeLessThan(2 / 32768);
  });

  it('saves what is heard as a song, and refuses an arrangement with no clips', async () => {
    const doc = structuredClone((await read()).arrangement);
    doc.lanes[1]!.mute = true;
    await write(0, doc);
    const saved = await as(alice).post(`${url()}/song`, { title: 'Arranged' });
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json().data).toMatchObject({ title: 'Arranged', studioId, instruments: ['voice'] });
    expect(saved.json().data.duration).toBeGreaterThan(1.9);

    const empty = { ...doc, lanes: doc.lanes.map((l) => ({ ...l, clips: [] })) };
    await write(1, empty);
    expect((await as(alice).post(`${url()}/song`, { title: 'Nothing' })).json()).toEqual(errorOf('NOTHING_TO_MIX'));
    expect((await as(alice).get(`${url()}/mix`)).statusCode).toBe(422);
  });
});
