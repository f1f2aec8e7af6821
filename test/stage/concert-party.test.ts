import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConcertChangedEvent, ConcertReaction } from '../../src-server/families/stage/concerts/service';
import type { TestApp } from '../helpers/app';
import { putTo } from '../studio/helpers';
import { wavFile, type StageUser, concertFixture } from './helpers';

let t: TestApp, studio: StageUser, ann: StageUser, ben: StageUser, opening: number, encore: number;
const { as } = concertFixture((c) => ([t, studio, ann, ben, opening, encore] = c));
// Songs here are 1 s long: the real wake-ups would race the frozen clock, so advancing is driven by hand.
beforeAll(() => t.app.concerts.stop());
const room = (roomId: string, tail = '') => `/api/concert/${roomId}${tail}`;
const freezeAt = (ms: number) => vi.spyOn(Date, 'now').mockReturnValue(ms);

/** An open room with both songs and Ann seated. */
async function party(): Promise<string> {
  const res = await as(studio).post('/api/concert/create', {
    concertName: 'Party',
    songs: [
      { songNum: 1, audioId: opening },
      { songNum: 2, audioId: encore },
    ],
  });
  const roomId = res.json().roomId as string;
  expect((await as(studio).post(room(roomId, '/toggle-open'), { isOpen: true })).statusCode).toBe(200);
  expect((await as(studio).post(room(roomId, '/join'), { clientId: ann.seq })).statusCode).toBe(200);
  return roomId;
}

function changes(): ConcertChangedEvent[] {
  const seen: ConcertChangedEvent[] = [];
  t.app.concerts.on('concert:changed', (e) => seen.push(e));
  return seen;
}

describe('POST /api/concert/:roomId/transport', () => {
  it('pauses, seeks, resumes and skips on the server clock, broadcasting each', async () => {
    const roomId = await party();
    const s0 = t.app.concerts.get(roomId)!.songStartedAt!;
    const seen = changes();
    freezeAt(s0 + 400);
    const paused = await as(studio).post(room(roomId, '/transport'), { action: 'pause' });
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json().playback).toMatchObject({ currentSong: 1, pausedPositionMs: 400, serverTime: s0 + 400 });
    expect(seen.at(-1)).toMatchObject({ change: { type: 'transport', action: 'pause' }, concert: { pausedPositionMs: 400 } });

    // Paused for a minute: the song waits where it was.
    freezeAt(s0 + 60_000);
    expect((await as(studio).post(room(roomId, '/transport'), { action: 'seek', positionMs: 700 })).json().playback).toMatchObject({
      pausedPositionMs: 700,
    });
    const resumed = (await as(studio).post(room(roomId, '/transport'), { action: 'resume' })).json().playback;
    expect(resumed).toMatchObject({ currentSong: 1, songStartedAt: s0 + 59_300, pausedPositionMs: null });

    const skip = await as(studio).post(room(roomId, '/transport'), { action: 'next' });
    expect(skip.statusCode, skip.body).toBe(200);
    expect(skip.json().playback).toMatchObject({ currentSong: 2, songStartedAt: s0 + 60_000 });
    const last = await as(studio).post(room(roomId, '/transport'), { action: 'next' });
    expect(last.statusCode).toBe(409);
    expect(last.json()).toMatchObject({ success: false, error: 'END_OF_SET_LIST' });
    expect((await as(studio).post(room(roomId, '/transport'), { action: 'previous' })).json().playback.currentSong).toBe(1);
  });

  it('refuses listeners, unknown actions and seeks past the song', async () => {
    const roomId = await party();
    expect((await as(ann).post(room(roomId, '/transport'), { action: 'pause' })).json()).toMatchObject({ error: 'PERMISSION_DENIED' });
    expect((await as(studio).post(room(roomId, '/transport'), { action: 'rewind' })).statusCode).toBe(400);
    expect((await as(studio).post(room(roomId, '/transport'), {})).json()).toMatchObject({ error: 'MISSING_FIELDS' });
    expect((await as(studio).post(room(roomId, '/transport'), { action: 'seek' })).json()).toMatchObject({ error: 'MISSING_FIELDS' });
    const far = await as(studio).post(room(roomId, '/transport'), { action: 'seek', positionMs: 5000 });
    expect(far.json()).toMatchObject({ error: 'SEEK_OUT_OF_RANGE' });
    expect((await as(studio).post(room('concert_0_nothing', '/transport'), { action: 'pause' })).statusCode).toBe(404);
  });

  it('advances by itself when a song ends, at the ms it ended, then pauses after the last', async () => {
    const roomId = await party();
    const s0 = t.app.concerts.get(roomId)!.songStartedAt!;
    const seen = changes();
    freezeAt(s0 + 1500);
    expect(t.app.concerts.advanceAll()).toContain(roomId);
    expect(t.app.concerts.get(roomId)).toMatchObject({ currentSong: 2, songStartedAt: s0 + 1000, pausedPositionMs: null });
    expect(seen.some((e) => e.roomId === roomId && e.change.type === 'advanced')).toBe(true);
    freezeAt(s0 + 2500);
    t.app.concerts.advanceAll();
    expect(t.app.concerts.get(roomId)).toMatchObject({ currentSong: 2, pausedPositionMs: 1000 });
  });
});

describe('DELETE /api/concert/:roomId', () => {
  it('ends the concert for everyone; only the studio may', async () => {
    const roomId = await party();
    expect((await as(ann).delete(room(roomId))).json()).toMatchObject({ error: 'PERMISSION_DENIED' });
    const seen = changes();
    expect((await as(studio).delete(room(roomId))).json()).toEqual({ success: true, message: 'Concert ended' });
    expect(seen.at(-1)).toEqual({ roomId, change: { type: 'ended' }, concert: null });
    expect((await as(studio).get(room(roomId, '/info'))).statusCode).toBe(404);
  });
});

describe('reactions and requests', () => {
  it('a seated listener reacts; everyone gets it with their name; others are refused', async () => {
    const roomId = await party();
    const got: ConcertReaction[] = [];
    t.app.concerts.on('concert:reaction', (r) => got.push(r));
    expect((await as(ann).post(room(roomId, '/reactions'), { emoji: '🔥' })).statusCode).toBe(200);
    expect(got).toEqual([expect.objectContaining({ roomId, userId: ann.seq, name: 'Ann', emoji: '🔥' })]);
    expect((await as(ann).post(room(roomId, '/reactions'), { emoji: 'lol' })).json()).toMatchObject({ error: 'INVALID_REACTION' });
    expect((await as(ben).post(room(roomId, '/reactions'), { emoji: '🔥' })).json()).toMatchObject({ error: 'ACCESS_DENIED' });
  });

  it('a listener requests a song, the studio accepts it to the end of the set list or declines', async () => {
    const roomId = await party();
    const made = await as(ann).post(room(roomId, '/requests'), { audioId: encore });
    expect(made.statusCode, made.body).toBe(200);
    const { requestId } = made.json().request;
    expect((await as(ann).post(room(roomId, '/requests'), { audioId: encore })).json().request.requestId).toBe(requestId);
    expect((await as(ann).get(room(roomId, '/requests'))).json().requests).toEqual([
      expect.objectContaining({ requestId, audioId: encore, userId: ann.seq, name: 'Ann' }),
    ]);
    expect((await as(ann).post(room(roomId, `/requests/${requestId}/accept`))).json()).toMatchObject({ error: 'PERMISSION_DENIED' });
    const accepted = await as(studio).post(room(roomId, `/requests/${requestId}/accept`));
    expect(accepted.json().songs.map((s: { songNum: number; audioId: number }) => [s.songNum, s.audioId])).toEqual([
      [1, opening],
      [2, encore],
      [3, encore],
    ]);
    expect(t.app.concerts.get(roomId)!.requests).toEqual([]);
    expect((await as(studio).post(room(roomId, `/requests/${requestId}/accept`))).json()).toMatchObject({ error: 'REQUEST_NOT_FOUND' });

    const other = (await as(ann).post(room(roomId, '/requests'), { audioId: opening })).json().request;
    expect((await as(studio).delete(room(roomId, `/requests/${other.requestId}`))).statusCode).toBe(200);
    expect(t.app.concerts.get(roomId)!.songs).toHaveLength(3);
    expect((await as(ann).post(room(roomId, '/requests'), { audioId: 999_999 })).json()).toMatchObject({ error: 'AUDIO_NOT_FOUND' });
    expect((await as(ben).post(room(roomId, '/requests'), { audioId: opening })).json()).toMatchObject({ error: 'ACCESS_DENIED' });
  });
});

describe('songs from My songs into the library', () => {
  it('lists the caller’s songs and adds one by copying its file, once; someone else’s song is not theirs to add', async () => {
    // Ann makes a song in her studio the way the studio page does: upload ticket, PUT, save.
    const bytes = wavFile(4);
    const studioId = (await as(ann).post('/api/work/studio', { studioName: 'Ann’s room' })).json().data.studioId as number;
    const ticket = (await as(ann).get('/api/song/basic/presignedUrl')).json().data;
    await putTo(t.app, ticket.basicSongPresignedUrl, bytes);
    const saved = await as(ann).post(`/api/song/studios/${studioId}/basic/save`, {
      basicSongFilePath: ticket.basicSongFilePath,
      name: 'Ann’s Hum',
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const song = { id: saved.json().data.songId as number };

    expect((await as(ann).get('/api/audio/my-songs')).json().songs).toEqual([
      { songId: song.id, title: 'Ann’s Hum', duration: expect.any(Number), studioId, audioId: null },
    ]);
    expect((await as(ben).get('/api/audio/my-songs')).json().songs).toEqual([]);
    expect((await as(ben).post('/api/audio/from-song', { songId: song.id })).json()).toMatchObject({ error: 'AUDIO_NOT_FOUND' });

    const added = await as(ann).post('/api/audio/from-song', { songId: song.id });
    expect(added.statusCode, added.body).toBe(201);
    const file = added.json().audio_file;
    expect(file).toMatchObject({ title: 'Ann’s Hum', artist: 'Ann', format: 'wav' });
    // The library's copy streams the same bytes.
    const streamed = await as(ann).get(`/api/audio/file/${file.id}`);
    expect(Buffer.compare(streamed.rawPayload, bytes)).toBe(0);
    const again = await as(ann).post('/api/audio/from-song', { songId: song.id });
    expect(again.statusCode).toBe(200);
    expect(again.json().audio_file.id).toBe(file.id);
    expect((await as(ann).get('/api/audio/my-songs')).json().songs[0].audioId).toBe(file.id);
    expect((await as(ann).post('/api/audio/from-song', {})).json()).toMatchObject({ error: 'MISSING_FIELDS' });
  });
});
