import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { measureClockOffset } from '../../src-shared/clock';
import type { ConcertEnded, ConcertJoinResult, ConcertSnapshot } from '../../src-shared/events';
import { acrossRestart, makeTestApp, type TestApp } from '../helpers/app';
import { waitFor } from '../jobs/helpers';
import { connectSocket, form, listen, stageUser, wavFile, type ClientSocket, type StageUser } from './helpers';
import { requests } from '../helpers/inject';

/** The same socket without the protocol's types, to send what a careless client might. */
type UntypedSocket = {
  emit(event: string, ...args: unknown[]): void;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
};

let t: TestApp;
let baseUrl: string;
let studio: StageUser;
let ann: StageUser;
let ben: StageUser;
let cat: StageUser;
/** The two songs' stored bytes, by audio id. */
const songBytes = new Map<number, Buffer>();
let audioIds: number[] = [];
let sockets: ClientSocket[] = [];

async function api(user: StageUser, method: string, path: string, body?: unknown) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...user.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function createConcert(opts: { maxAudience?: number; open?: boolean; expiresIn?: number } = {}): Promise<string> {
  const created = await api(studio, 'POST', '/api/concert/create', {
    concertName: 'Night Set',
    songs: audioIds.map((audioId, i) => ({ songNum: i + 1, audioId })),
    maxAudience: opts.maxAudience ?? 10,
    ...(opts.expiresIn === undefined ? {} : { expiresIn: opts.expiresIn }),
  });
  expect(created.status).toBe(200);
  const roomId = created.body.roomId as string;
  if (opts.open ?? true) expect((await api(studio, 'POST', `/api/concert/${roomId}/toggle-open`, { isOpen: true })).status).toBe(200);
  return roomId;
}

const audienceOverHttp = async (roomId: string): Promise<number> =>
  (await api(studio, 'GET', `/api/concert/${roomId}/info`)).body.concert.currentAudience;

const open = (user: StageUser, url = baseUrl) => connectSocket(url, user.token, sockets);

const join = (socket: ClientSocket, roomId: string) => socket.timeout(5000).emitWithAck('concert:join', { roomId });

async function joinOk(socket: ClientSocket, roomId: string): Promise<ConcertSnapshot> {
  const result = await join(socket, roomId);
  if (!result.ok) throw new Error(`join refused: ${result.code} ${result.message}`);
  return result.concert;
}

/** Every `concert:state` a socket gets from now on. */
function record(socket: ClientSocket): ConcertSnapshot[] {
  const got: ConcertSnapshot[] = [];
  socket.on('concert:state', (s) => got.push(s));
  return got;
}

const nextEnded = (socket: ClientSocket) =>
  new Promise<ConcertEnded>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no concert:ended within 5 s')), 5000);
    socket.once('concert:ended', (ended) => {
      clearTimeout(timer);
      resolve(ended);
    });
  });

/** Resolves once the server has let go of the socket, and so has run its disconnect handlers. */
async function disconnect(socket: ClientSocket): Promise<void> {
  const id = socket.id!;
  socket.disconnect();
  await waitFor(() => !t.app.realtime.io.sockets.sockets.has(id), 'the server to see the disconnect');
}

const roomMembers = async (roomId: string) => (await t.app.realtime.io.in(`concert:${roomId}`).fetchSockets()).map((s) => s.id);

beforeAll(async () => {
  t = await makeTestApp();
  baseUrl = await listen(t.app);
  studio = await stageUser(t.app, 'Studio');
  ann = await stageUser(t.app, 'Ann');
  ben = await stageUser(t.app, 'Ben');
  cat = await stageUser(t.app, 'Cat');
  for (const [title, seed] of [
    ['Opening', 3],
    ['Encore', 5],
  ] as const) {
    const bytes = wavFile(seed);
    const body = form([
      { name: 'title', value: title },
      { name: 'artist', value: 'The Testers' },
      { name: 'audio', filename: `${title}.wav`, content: bytes, type: 'audio/wav' },
    ]);
    const res = await requests(t.app).as(studio).post('/api/audio/upload', body);
    expect(res.statusCode).toBe(201);
    songBytes.set(res.json().audio_file.id, bytes);
  }
  audioIds = [...songBytes.keys()];
});

afterEach(() => {
  for (const s of sockets) s.disconnect();
  sockets = [];
});

afterAll(async () => {
  await t?.close();
});

describe('concert sync over socket.io', () => {
  it('seats listeners, lets the studio follow without a seat, and describes the songs', async () => {
    const roomId = await createConcert();
    const studioSocket = await open(studio);
    const joined = await join(studioSocket, roomId);
    expect(joined).toMatchObject({
      ok: true,
      role: 'studio',
      concert: { roomId, concertName: 'Night Set', studioName: 'Studio', currentAudience: 0, change: 'sync' },
    });
    const studioGot = record(studioSocket);

    const annSocket = await open(ann);
    const result = (await join(annSocket, roomId)) as Extract<ConcertJoinResult, { ok: true }>;
    expect(result.ok).toBe(true);
    expect(result.role).toBe('listener');
    expect(result.concert.audience).toEqual([{ userId: ann.seq, name: 'Ann' }]);
    expect(result.concert.currentSong).toBe(1);
    expect(result.concert.songs).toEqual([
      expect.objectContaining({
        songNum: 1,
        audioId: audioIds[0],
        title: 'Opening',
        artist: 'The Testers',
        duration: 1,
        streamUrl: `/api/audio/file/${audioIds[0]}`,
      }),
      expect.objectContaining({ songNum: 2, audioId: audioIds[1], title: 'Encore', artist: 'The Testers', duration: 1 }),
    ]);
    expect(result.concert.songs[0]!.playbackUrl).toMatch(/^\/files\/audio\/.+\?.*sig=/);

    // The studio hears about the new listener.
    const seen = await waitFor(() => studioGot.find((s) => s.change === 'joined'), 'the joined state');
    expect(seen.audience).toEqual([{ userId: ann.seq, name: 'Ann' }]);
    expect(await audienceOverHttp(roomId)).toBe(1);
  });

  it('refuses a full room, a closed room and an unknown one, seating nobody', async () => {
    const full = await createConcert({ maxAudience: 1 });
    await joinOk(await open(ann), full);
    expect(await join(await open(ben), full)).toEqual({ ok: false, code: 'JOIN_FAILED', message: 'Concert is full' });
    expect(await audienceOverHttp(full)).toBe(1);

    const closed = await createConcert({ open: false });
    expect(await join(await open(cat), closed)).toEqual({ ok: false, code: 'JOIN_FAILED', message: 'Concert is not open' });
    expect(await audienceOverHttp(closed)).toBe(0);

    expect(await join(await open(cat), 'concert_0_nosuchroom')).toEqual({
      ok: false,
      code: 'CONCERT_NOT_FOUND',
      message: 'Concert not found',
    });
  });

  it('frees the seat on concert:leave', async () => {
    const roomId = await createConcert();
    const annSocket = await open(ann);
    await joinOk(annSocket, roomId);
    expect(await audienceOverHttp(roomId)).toBe(1);

    expect(await annSocket.timeout(5000).emitWithAck('concert:leave', { roomId })).toEqual({ ok: true });
    expect(await audienceOverHttp(roomId)).toBe(0);
    // No longer following: later changes do not reach it.
    expect(await roomMembers(roomId)).not.toContain(annSocket.id);
  });

  it('keeps the seat while another tab follows and frees it when the last one closes', async () => {
    const roomId = await createConcert();
    const tab1 = await open(ann);
    const tab2 = await open(ann);
    await joinOk(tab1, roomId);
    await joinOk(tab2, roomId);
    expect(await audienceOverHttp(roomId)).toBe(1);

    await disconnect(tab1);
    expect(await audienceOverHttp(roomId)).toBe(1);
    await disconnect(tab2);
    expect(await audienceOverHttp(roomId)).toBe(0);
  });

  it('sends a song change to every listener with a fresh start time', async () => {
    const roomId = await createConcert();
    const annSocket = await open(ann);
    const benSocket = await open(ben);
    const before = await joinOk(annSocket, roomId);
    await joinOk(benSocket, roomId);
    const annGot = record(annSocket);
    const benGot = record(benSocket);

    const sent = t.clock.now();
    const changed = await api(studio, 'POST', `/api/concert/${roomId}/songs/change`, { songNum: 2 });
    expect(changed.status).toBe(200);

    const forAnn = await waitFor(() => annGot.find((s) => s.change === 'song-changed'), "ann's song change");
    const forBen = await waitFor(() => benGot.find((s) => s.change === 'song-changed'), "ben's song change");
    expect(forBen).toEqual(forAnn);
    expect(forAnn.currentSong).toBe(2);
    expect(forAnn.songStartedAt).toBeGreaterThanOrEqual(sent);
    expect(forAnn.songStartedAt).toBeGreaterThan(before.songStartedAt!);
    expect(forAnn.serverTime).toBeGreaterThanOrEqual(forAnn.songStartedAt!);
    expect(forAnn.audience.map((a) => a.name)).toEqual(['Ann', 'Ben']);
  });

  it('hands out a playback URL that streams byte ranges without a token', async () => {
    const roomId = await createConcert();
    const concert = await joinOk(await open(ann), roomId);
    const song = concert.songs.find((s) => s.songNum === 2)!;
    const bytes = songBytes.get(song.audioId)!;

    const res = await fetch(`${baseUrl}${song.playbackUrl}`, { headers: { range: 'bytes=100-1099' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-1099/${bytes.length}`);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(100, 1100))).toBe(true);
  });

  it('estimates the clock offset within 5 ms on loopback, following the server clock', async () => {
    const socket = await open(ann);
    const ping = async (t0: number) => (await socket.timeout(2000).emitWithAck('clock:ping', { t0 })).t1;

    const level = await measureClockOffset(ping, Date.now, 8, 5);
    expect(Math.abs(level.offset)).toBeLessThan(5);

    t.clock.advance(90_000);
    try {
      const ahead = await measureClockOffset(ping, Date.now, 8, 5);
      expect(Math.abs(ahead.offset - 90_000)).toBeLessThan(5);
    } finally {
      t.clock.advance(-90_000);
    }
  });

  it('ends the concert for everyone in the room when it lapses', async () => {
    const roomId = await createConcert({ expiresIn: 60 });
    const studioSocket = await open(studio);
    const annSocket = await open(ann);
    await joinOk(studioSocket, roomId);
    await joinOk(annSocket, roomId);
    const endings = [nextEnded(studioSocket), nextEnded(annSocket)];

    t.clock.advance(61_000);
    try {
      expect((await api(studio, 'GET', `/api/concert/${roomId}/info`)).status).toBe(404);
      expect(await Promise.all(endings)).toEqual([
        { roomId, reason: 'expired' },
        { roomId, reason: 'expired' },
      ]);
      expect(await roomMembers(roomId)).toEqual([]);
    } finally {
      t.clock.advance(-61_000);
    }
  });

  it('ends the concert for a client the studio removes, and only for that client', async () => {
    const roomId = await createConcert();
    const annSocket = await open(ann);
    const benSocket = await open(ben);
    await joinOk(annSocket, roomId);
    await joinOk(benSocket, roomId);
    const annGot = record(annSocket);
    const benGot = record(benSocket);
    const annEnded = nextEnded(annSocket);
    let benEnded = false;
    benSocket.on('concert:ended', () => (benEnded = true));

    expect((await api(studio, 'POST', `/api/concert/${roomId}/leave`, { clientId: ann.seq })).status).toBe(200);

    expect(await annEnded).toEqual({ roomId, reason: 'removed' });
    const left = await waitFor(() => benGot.find((s) => s.change === 'left'), "ben's view of the removal");
    expect(left.audience).toEqual([{ userId: ben.seq, name: 'Ben' }]);
    expect(await roomMembers(roomId)).toEqual([benSocket.id]);
    expect(annGot.some((s) => s.change === 'left')).toBe(false);
    expect(benEnded).toBe(false);
    expect(await audienceOverHttp(roomId)).toBe(1);
  });

  it('tells the room when an account goes: a listener leaves, a studio ends its concert', async () => {
    const host = await stageUser(t.app, 'Doomed Host');
    const guest = await stageUser(t.app, 'Doomed Guest');
    const created = await api(host, 'POST', '/api/concert/create', {
      concertName: 'Last Show',
      songs: [{ songNum: 1, audioId: audioIds[0] }],
    });
    const roomId = created.body.roomId as string;
    await api(host, 'POST', `/api/concert/${roomId}/toggle-open`, { isOpen: true });
    const hostSocket = await open(host);
    const annSocket = await open(ann);
    const guestSocket = await open(guest);
    await joinOk(hostSocket, roomId);
    await joinOk(annSocket, roomId);
    await joinOk(guestSocket, roomId);
    const annGot = record(annSocket);

    const gone = await t.app.inject({ method: 'DELETE', url: '/api/users', headers: guest.headers, payload: { password: guest.password } });
    expect(gone.statusCode).toBe(200);
    const left = await waitFor(() => annGot.find((s) => s.change === 'left'), "ann's view of the guest leaving");
    expect(left.audience).toEqual([{ userId: ann.seq, name: 'Ann' }]);

    const annEnded = nextEnded(annSocket);
    expect(
      (await t.app.inject({ method: 'DELETE', url: '/api/users', headers: host.headers, payload: { password: host.password } })).statusCode,
    ).toBe(200);
    expect(await annEnded).toEqual({ roomId, reason: 'expired' });
  });

  it('answers bad requests with INVALID_INPUT and survives requests without an ack', async () => {
    const roomId = await createConcert();
    const socket = await open(ann);
    const untyped = socket as unknown as UntypedSocket;
    const invalid = { ok: false, code: 'INVALID_INPUT', message: 'roomId must be a non-empty string' };

    expect(await untyped.timeout(5000).emitWithAck('concert:join', {})).toEqual(invalid);
    expect(await untyped.timeout(5000).emitWithAck('concert:join', { roomId: 42 })).toEqual(invalid);
    expect(await untyped.timeout(5000).emitWithAck('concert:join', null)).toEqual(invalid);
    expect(await untyped.timeout(5000).emitWithAck('concert:leave', { roomId: '' })).toEqual(invalid);
    untyped.emit('concert:join', { roomId });
    untyped.emit('concert:join');
    untyped.emit('concert:leave', 'nonsense');

    // Still connected and answering; the ack-less join still took a seat.
    expect(await socket.timeout(5000).emitWithAck('clock:ping', { t0: 1 })).toMatchObject({ t0: 1 });
    expect(socket.connected).toBe(true);
    expect(await audienceOverHttp(roomId)).toBe(1);
  });
  it('keeps seats across a server restart, and a seated listener may rejoin a closed room', async () => {
    try {
      await acrossRestart(
        'atelier-concert-restart-',
        async (first) => {
          const host = await stageUser(first.app, 'Host');
          const guest = await stageUser(first.app, 'Guest');
          await first.app.listen({ host: '127.0.0.1', port: 0 });
          const roomId = (await requests(first.app).as(host).post('/api/concert/create', { concertName: 'Late Show' })).json()
            .roomId as string;
          await requests(first.app).as(host).post(`/api/concert/${roomId}/toggle-open`, { isOpen: true });
          const port = (first.app.server.address() as { port: number }).port;
          await joinOk(await open(guest, `http://127.0.0.1:${port}`), roomId);
          return { host, guest, roomId };
        },
        // The server going away is not the listener leaving.
        async (second, { host, guest, roomId }) => {
          const info = async () => (await requests(second.app).as(host).get(`/api/concert/${roomId}/info`)).json().concert;
          expect((await info()).currentAudience).toBe(1);

          await requests(second.app).as(host).post(`/api/concert/${roomId}/toggle-open`, { isOpen: false });
          await second.app.listen({ host: '127.0.0.1', port: 0 });
          const again = await join(await open(guest, `http://127.0.0.1:${(second.app.server.address() as { port: number }).port}`), roomId);
          expect(again).toMatchObject({ ok: true, role: 'listener', concert: { isOpen: false, currentAudience: 1 } });
          expect((await info()).currentAudience).toBe(1);
        },
      );
    } finally {
      for (const s of sockets) s.disconnect();
      sockets = [];
    }
  });
});
