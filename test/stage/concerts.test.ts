import { describe, expect, it, vi } from 'vitest';
import type { ConcertChangedEvent } from '../../src-server/families/stage/concerts/service';
import { acrossRestart, makeTestApp, type TestApp } from '../helpers/app';
import { requests, type Method } from '../helpers/inject';
import { accessory, stageUser, uploadWav, wavFile, type StageUser, concertFixture, STAGE_AUTH_REFUSALS } from './helpers';

/** The studio creates rooms and runs their listen server; opening and encore are in its audio library. */
let t: TestApp, studio: StageUser, ann: StageUser, ben: StageUser, opening: number, encore: number;
const { as } = concertFixture((c) => ([t, studio, ann, ben, opening, encore] = c));
const error = (code: string, message: unknown = expect.any(String)) => ({ success: false, error: code, message });
const room = (roomId: string, tail = '') => `/api/concert/${roomId}${tail}`;
/** Stops the wall clock under the test clock, so times the server stamps can be compared exactly. */
const freezeTime = () => vi.spyOn(Date, 'now').mockReturnValue(Date.now());

async function create(body: Record<string, unknown> = {}, user = studio, app = t.app): Promise<string> {
  const res = await requests(app)
    .as(user)
    .post('/api/concert/create', { concertName: 'My Concert', ...body });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().roomId;
}
const info = async (roomId: string, user = studio, app = t.app) => (await requests(app).as(user).get(room(roomId, '/info'))).json().concert;
const setOpen = async (roomId: string, isOpen: boolean) =>
  expect((await as(studio).post(room(roomId, '/toggle-open'), { isOpen })).statusCode).toBe(200);
const register = (roomId: string, client: StageUser, user = studio) => as(user).post(room(roomId, '/join'), { clientId: client.seq });
const twoSongs = () => [
  { songNum: 1, audioId: opening, streamUrl: 'https://example.com/audio/song1.mp3', stageDirectionId: 10 },
  { songNum: 2, audioId: encore },
];

describe('POST /api/concert/create', () => {
  it('answers the room id and its lifetime, and the room holds what was sent, closed', async () => {
    const res = await as(studio).post('/api/concert/create', {
      concertName: 'My Concert',
      songs: twoSongs(),
      accessories: [accessory()],
      maxAudience: 100,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, roomId: expect.stringMatching(/^concert_\d{13}_[a-z0-9]{9}$/), expiresIn: 7200 });
    const concert = await info(res.json().roomId);
    expect(concert).toMatchObject({
      studioUserId: studio.seq,
      studioName: 'Studio User',
      concertName: 'My Concert',
      songs: [
        { songNum: 1, audioId: opening, streamUrl: 'https://example.com/audio/song1.mp3', stageDirectionId: 10 },
        // Without a streamUrl the song streams from this server's audio library.
        { songNum: 2, audioId: encore, streamUrl: `/api/audio/file/${encore}`, stageDirectionId: null },
      ],
      accessories: [accessory()],
      maxAudience: 100,
      currentAudience: 0,
      currentSong: 1,
      isOpen: false,
      listenServer: null,
    });
    // That default URL plays the uploaded file from disk.
    const played = await t.app.inject({ url: concert.songs[1].streamUrl, headers: ann.headers });
    expect(played.statusCode).toBe(200);
    expect(played.rawPayload.equals(wavFile(5))).toBe(true);
  });

  it('needs only concertName: no songs, no accessories, 100 seats', async () => {
    const roomId = await create({ concertName: '  Bare  ' });
    expect(await info(roomId)).toMatchObject({ concertName: 'Bare', songs: [], accessories: [], maxAudience: 100, currentSong: null });
  });

  it('keeps songs in songNum order and starts with the lowest', async () => {
    const roomId = await create({
      songs: [
        { songNum: 7, audioId: encore },
        { songNum: 3, audioId: opening },
      ],
    });
    const concert = await info(roomId);
    expect(concert.songs.map((s: { songNum: number }) => s.songNum)).toEqual([3, 7]);
    expect(concert.currentSong).toBe(3);
  });

  it.each([
    [{}, 'concertName is required'],
    [{ concertName: '' }, 'concertName is required'],
    [{ concertName: '   ' }, 'concertName is required'],
    [{ concertName: null, songs: [] }, 'concertName is required'],
  ])('MISSING_FIELDS for %o', async (body, message) => {
    const res = await as(studio).post('/api/concert/create', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(error('MISSING_FIELDS', message));
  });

  it('INVALID_SONGS when songs is not an array, a song is malformed, repeats a songNum or names audio not in the library', async () => {
    for (const songs of ['song1', { songNum: 1, audioId: opening }, 3]) {
      const res = await as(studio).post('/api/concert/create', { concertName: 'x', songs });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(error('INVALID_SONGS', 'songs must be an array'));
    }
    const bad: Array<[unknown[], RegExp]> = [
      [[{ audioId: opening }], /songNum/],
      [[{ songNum: 1 }], /audioId/],
      [[{ songNum: 'first', audioId: opening }], /songNum/],
      [
        [
          { songNum: 1, audioId: opening },
          { songNum: 1, audioId: encore },
        ],
        /songNum 1 appears more than once/,
      ],
      [[{ songNum: 1, audioId: 999_999 }], /audioId 999999 is not in the audio library/],
    ];
    for (const [songs, message] of bad) {
      const res = await as(studio).post('/api/concert/create', { concertName: 'x', songs });
      expect(res.statusCode, JSON.stringify(songs)).toBe(400);
      expect(res.json()).toEqual(error('INVALID_SONGS', expect.stringMatching(message)));
    }
  });

  it('INVALID_ACCESSORIES when accessories is not an array or an item is malformed', async () => {
    const notArray = await as(studio).post('/api/concert/create', { concertName: 'x', accessories: 'hat' });
    expect(notArray.statusCode).toBe(400);
    expect(notArray.json()).toEqual(error('INVALID_ACCESSORIES', 'accessories must be an array'));
    const badItem = await as(studio).post('/api/concert/create', { concertName: 'x', accessories: [accessory(), { socketName: 'Head' }] });
    expect(badItem.statusCode).toBe(400);
    expect(badItem.json()).toEqual(error('INVALID_ACCESSORIES', expect.stringMatching(/^accessories\[1\]/)));
  });

  it('INVALID_INPUT for a maxAudience or expiresIn out of range, and INVALID_JSON for a broken body', async () => {
    for (const extra of [{ maxAudience: 0 }, { maxAudience: 'many' }, { expiresIn: 5 }]) {
      const res = await as(studio).post('/api/concert/create', { concertName: 'x', ...extra });
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
      expect(res.json()).toEqual(error('INVALID_INPUT'));
    }
    const broken = await as(studio).post('/api/concert/create', '{"concertName": ', { headers: { 'content-type': 'application/json' } });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual(error('INVALID_JSON'));
  });

  it('CREATE_FAILED when the room cannot be stored, without a stack trace', async () => {
    vi.spyOn(t.app.concerts, 'create').mockImplementation(() => {
      throw new Error('SQLITE_FULL: database or disk is full');
    });
    const res = await as(studio).post('/api/concert/create', { concertName: 'x' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual(error('CREATE_FAILED', 'Failed to create concert'));
  });
});

describe('the stage login guards the concert routes', () => {
  it.each(STAGE_AUTH_REFUSALS)('%o → %i %s, on reads and on changes', async (headers, status, code, message) => {
    for (const [method, url] of [
      ['GET', '/api/concert/list'],
      ['POST', '/api/concert/create'],
    ] as const) {
      const res = await t.app.inject({ method, url, headers, ...(method === 'POST' ? { payload: { concertName: 'x' } } : {}) });
      expect(res.statusCode, url).toBe(status);
      expect(res.json()).toEqual(error(code, message));
    }
  });

  it('401 TOKEN_EXPIRED with expiredAt once the access token lapses', async () => {
    const roomId = await create();
    t.clock.advance(2 * 3600 * 1000);
    try {
      const res = await as(studio).get(room(roomId, '/info'));
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ ...error('TOKEN_EXPIRED', 'Token has expired'), expiredAt: expect.any(String) });
      expect(Date.parse(res.json().expiredAt)).toBeLessThan(t.clock.now());
    } finally {
      t.clock.advance(-2 * 3600 * 1000);
    }
  });
});

describe('GET /api/concert/list and /:roomId/info', () => {
  it('lists every live room, newest first, shaped as the spec shows', async () => {
    const fresh = await makeTestApp();
    try {
      freezeTime();
      const host = await stageUser(fresh.app, 'Host');
      const guest = await stageUser(fresh.app, 'Guest');
      const empty = await requests(fresh.app).as(host).get('/api/concert/list');
      expect(empty.json()).toEqual({ success: true, count: 0, concerts: [] });

      const first = await create({ concertName: 'First', maxAudience: 5 }, host, fresh.app);
      fresh.clock.advance(1000);
      const second = await create({ concertName: 'Second', accessories: [accessory()] }, host, fresh.app);
      const server = { localIP: '192.168.0.100', port: 7777, publicIP: '1.2.3.4', publicPort: 7777 };
      await requests(fresh.app).as(host).post(room(second, '/listen-server'), server);
      await requests(fresh.app).as(host).post(room(second, '/toggle-open'), { isOpen: true });
      await requests(fresh.app).as(host).post(room(second, '/join'), { clientId: guest.seq });

      const res = await requests(fresh.app).as(guest).get('/api/concert/list');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        success: true,
        count: 2,
        concerts: [
          {
            roomId: second,
            studioUserId: host.seq,
            studioName: 'Host',
            concertName: 'Second',
            songs: [],
            accessories: [accessory()],
            maxAudience: 100,
            currentAudience: 1,
            currentSong: null,
            isOpen: true,
            listenServer: server,
            createdAt: expect.any(Number),
            songStartedAt: null,
            expiresAt: expect.any(Number),
            allowGuests: true,
            joinCode: expect.stringMatching(/^[A-Z2-9]{6}$/),
          },
          expect.objectContaining({
            roomId: first,
            concertName: 'First',
            maxAudience: 5,
            isOpen: false,
            currentAudience: 0,
            listenServer: null,
          }),
        ],
      });
      const [newest, oldest] = res.json().concerts;
      expect(newest.createdAt - oldest.createdAt).toBeGreaterThanOrEqual(1000);
      // The room lapses two hours after the studio's last change.
      expect(newest.expiresAt).toBe(fresh.clock.now() + 7200 * 1000);
    } finally {
      await fresh.close();
    }
  });

  it('answers one room to any signed-in account, and CONCERT_NOT_FOUND for an unknown one', async () => {
    const roomId = await create({ songs: twoSongs() });
    const res = await as(ben).get(room(roomId, '/info'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      concert: expect.objectContaining({
        roomId,
        studioUserId: studio.seq,
        studioName: 'Studio User',
        concertName: 'My Concert',
        currentSong: 1,
      }),
    });
    expect(Object.keys(res.json().concert).sort()).toEqual(
      [
        'accessories',
        'allowGuests',
        'concertName',
        'createdAt',
        'currentAudience',
        'currentSong',
        'expiresAt',
        'isOpen',
        'listenServer',
        'maxAudience',
        'roomId',
        'songStartedAt',
        'songs',
        'studioName',
        'studioUserId',
        'joinCode',
      ].sort(),
    );

    const missing = await as(studio).get(room('concert_1234567890_abc123xyz', '/info'));
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual(error('CONCERT_NOT_FOUND', 'Concert not found'));
  });

  it('LIST_FAILED when the rooms cannot be read', async () => {
    vi.spyOn(t.app.concerts, 'list').mockImplementation(() => {
      throw new Error('SQLITE_IOERR: disk I/O error');
    });
    const res = await as(studio).get('/api/concert/list');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual(error('LIST_FAILED', 'Failed to list concerts'));
  });
});

describe('POST /api/concert/:roomId/join and /leave', () => {
  it('registers a client in an open room, once, and removes it again', async () => {
    const roomId = await create();
    await setOpen(roomId, true);
    const joined = await register(roomId, ann);
    expect(joined.statusCode).toBe(200);
    expect(joined.json()).toEqual({ success: true, message: 'Client joined concert successfully' });
    // A listen server that retries does not take a second seat.
    expect((await register(roomId, ann)).statusCode).toBe(200);
    expect((await info(roomId)).currentAudience).toBe(1);

    const left = await as(studio).post(room(roomId, '/leave'), { clientId: ann.seq });
    expect(left.statusCode).toBe(200);
    expect(left.json()).toEqual({ success: true, message: 'Client left concert successfully' });
    expect((await info(roomId)).currentAudience).toBe(0);
    // Leaving twice is not an error: the client is already gone.
    expect((await as(studio).post(room(roomId, '/leave'), { clientId: ann.seq })).statusCode).toBe(200);
  });

  it('JOIN_FAILED while the room is closed', async () => {
    const roomId = await create();
    const res = await register(roomId, ann);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(error('JOIN_FAILED', 'Concert is not open'));
    expect((await info(roomId)).currentAudience).toBe(0);
  });

  it('JOIN_FAILED when every seat is taken (maxAudience)', async () => {
    const roomId = await create({ maxAudience: 1 });
    await setOpen(roomId, true);
    expect((await register(roomId, ann)).statusCode).toBe(200);
    const full = await register(roomId, ben);
    expect(full.statusCode).toBe(400);
    expect(full.json()).toEqual(error('JOIN_FAILED', 'Concert is full'));
    expect((await info(roomId)).currentAudience).toBe(1);
    // A freed seat can be taken.
    await as(studio).post(room(roomId, '/leave'), { clientId: ann.seq });
    expect((await register(roomId, ben)).statusCode).toBe(200);
  });

  it('JOIN_FAILED for a client number no account has', async () => {
    const roomId = await create();
    await setOpen(roomId, true);
    const res = await as(studio).post(room(roomId, '/join'), { clientId: 987_654 });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(error('JOIN_FAILED'));
  });

  it('the studio registering its own number takes no seat, even in a closed or full room', async () => {
    const roomId = await create({ maxAudience: 1 });
    const closed = await register(roomId, studio);
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toEqual({ success: true, message: 'Client joined concert successfully' });
    await setOpen(roomId, true);
    expect((await register(roomId, studio)).statusCode).toBe(200);
    expect((await info(roomId)).currentAudience).toBe(0);
    // The one seat is still there for a listener, and the studio still gets in once it is taken.
    expect((await register(roomId, ann)).statusCode).toBe(200);
    expect((await register(roomId, studio)).statusCode).toBe(200);
    expect((await info(roomId)).currentAudience).toBe(1);
  });

  it.each(['/join', '/leave'])('MISSING_CLIENT_ID on %s without a usable clientId', async (path) => {
    const roomId = await create();
    await setOpen(roomId, true);
    for (const body of [{}, { clientId: null }, { clientId: '' }]) {
      const res = await as(studio).post(room(roomId, path), body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toEqual(error('MISSING_CLIENT_ID', 'clientId is required'));
    }
    const wrong = await as(studio).post(room(roomId, path), { clientId: 'ann' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toEqual(error('MISSING_CLIENT_ID'));
  });

  it('the registered client may leave the room: its seat is freed and the current song is closed to it', async () => {
    const roomId = await create({ songs: twoSongs() });
    await setOpen(roomId, true);
    await register(roomId, ann);
    expect((await as(ann).get(room(roomId, '/current-song'))).statusCode).toBe(200);
    await as(studio).post(room(roomId, '/leave'), { clientId: ann.seq });
    expect((await as(ann).get(room(roomId, '/current-song'))).json()).toEqual(error('ACCESS_DENIED', 'Not in concert room'));
  });
});

describe('only the studio changes a room', () => {
  const owned: Array<[string, Method, string, (ids: { ann: number }) => unknown]> = [
    ['join', 'POST', '/join', (ids) => ({ clientId: ids.ann })],
    ['leave', 'POST', '/leave', (ids) => ({ clientId: ids.ann })],
    ['songs/add', 'POST', '/songs/add', () => ({ songNum: 3, audioId: opening })],
    ['songs/:songNum', 'DELETE', '/songs/1', () => undefined],
    ['songs/change', 'POST', '/songs/change', () => ({ songNum: 2 })],
    ['accessories/add', 'POST', '/accessories/add', () => accessory('Hand_R')],
    ['accessories/:index', 'DELETE', '/accessories/0', () => undefined],
    ['accessories (replace)', 'PUT', '/accessories', () => ({ accessories: [] })],
    ['listen-server', 'POST', '/listen-server', () => ({ localIP: '10.0.0.9', port: 7000 })],
    ['toggle-open', 'POST', '/toggle-open', () => ({ isOpen: true })],
  ];

  it.each(owned)(
    '%s: PERMISSION_DENIED for anyone else, even a registered client, and nothing changes',
    async (_name, method, path, body) => {
      const roomId = await create({ songs: twoSongs(), accessories: [accessory()] });
      await setOpen(roomId, true);
      await register(roomId, ann);
      await setOpen(roomId, false);
      const before = await info(roomId);
      for (const stranger of [ben, ann]) {
        const res = await as(stranger).send(method, room(roomId, path), body({ ann: ann.seq }));
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual(error('PERMISSION_DENIED', expect.stringMatching(/^Only the studio/)));
      }
      expect(await info(roomId)).toEqual(before);
    },
  );

  it('names the listen server in the refusal to register or unregister a client, as the spec words it', async () => {
    const roomId = await create();
    const res = await register(roomId, ann, ben);
    expect(res.json()).toEqual(error('PERMISSION_DENIED', 'Only the studio listen server can register a client.'));
    const leave = await as(ben).post(room(roomId, '/leave'), { clientId: ann.seq });
    expect(leave.json()).toEqual(error('PERMISSION_DENIED', 'Only the studio listen server can unregister a client.'));
  });

  it.each(owned)('%s: CONCERT_NOT_FOUND for a room that does not exist', async (_name, method, path, body) => {
    const res = await as(studio).send(method, room('concert_0000000000000_nothere00', path), body({ ann: ann.seq }));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(error('CONCERT_NOT_FOUND', 'Concert not found'));
  });
});

describe('songs', () => {
  it('adds a song in songNum order, answering the list and the current song', async () => {
    const roomId = await create({
      songs: [
        { songNum: 1, audioId: opening },
        { songNum: 5, audioId: encore },
      ],
    });
    const res = await as(studio).post(room(roomId, '/songs/add'), {
      songNum: 2,
      audioId: encore,
      streamUrl: 'https://example.com/audio/song2.mp3',
      stageDirectionId: 20,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      message: 'Song added successfully',
      songs: [
        { songNum: 1, audioId: opening, streamUrl: `/api/audio/file/${opening}`, stageDirectionId: null },
        { songNum: 2, audioId: encore, streamUrl: 'https://example.com/audio/song2.mp3', stageDirectionId: 20 },
        { songNum: 5, audioId: encore, streamUrl: `/api/audio/file/${encore}`, stageDirectionId: null },
      ],
      currentSong: 1,
    });
    expect((await info(roomId)).songs).toEqual(res.json().songs);
  });

  it('keeps a stage direction as sent: 0 stays 0, null or absent is null', async () => {
    const roomId = await create({ songs: [{ songNum: 1, audioId: opening, stageDirectionId: 0 }] });
    const add = (body: Record<string, unknown>) => as(studio).post(room(roomId, '/songs/add'), { audioId: encore, ...body });
    expect((await add({ songNum: 2, stageDirectionId: null })).statusCode).toBe(200);
    expect((await add({ songNum: 3, stageDirectionId: 0 })).statusCode).toBe(200);
    const bad = await add({ songNum: 4, stageDirectionId: 'spotlight' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual(error('INVALID_SONGS', expect.stringMatching(/stageDirectionId/)));
    expect((await info(roomId)).songs.map((s: { stageDirectionId: number | null }) => s.stageDirectionId)).toEqual([0, null, 0]);
  });

  it('the first song added to an empty room becomes current, and songs may change while open', async () => {
    freezeTime();
    const roomId = await create();
    await setOpen(roomId, true);
    const res = await as(studio).post(room(roomId, '/songs/add'), { songNum: 4, audioId: opening });
    expect(res.json()).toMatchObject({ success: true, currentSong: 4 });
    expect((await info(roomId)).songStartedAt).toBe(t.clock.now());
  });

  it('refuses a song without songNum or audioId, with a bad field, a taken songNum or audio not in the library', async () => {
    const roomId = await create({ songs: [{ songNum: 1, audioId: opening }] });
    const add = (body: unknown) => as(studio).post(room(roomId, '/songs/add'), body);
    for (const body of [{}, { songNum: 2 }, { audioId: opening }, { songNum: null, audioId: opening }]) {
      const res = await add(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toEqual(error('MISSING_FIELDS', 'songNum and audioId are required'));
    }
    const badField = await add({ songNum: 0, audioId: opening });
    expect(badField.statusCode).toBe(400);
    expect(badField.json()).toEqual(error('INVALID_SONGS', expect.stringMatching(/songNum/)));
    const unknownAudio = await add({ songNum: 2, audioId: 999_999 });
    expect(unknownAudio.statusCode).toBe(400);
    expect(unknownAudio.json()).toEqual(error('INVALID_SONGS', 'audioId 999999 is not in the audio library'));
    const taken = await add({ songNum: 1, audioId: encore });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toEqual(error('DUPLICATE_SONG_NUM', 'Song 1 is already in this concert'));
    expect((await info(roomId)).songs).toHaveLength(1);
  });

  it('removes a song; removing the current one moves on to the next, else the one before, else none', async () => {
    const roomId = await create({ songs: [...twoSongs(), { songNum: 3, audioId: opening }] });
    await as(studio).post(room(roomId, '/songs/change'), { songNum: 2 });
    const removed = await as(studio).delete(room(roomId, '/songs/2'));
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toEqual({
      success: true,
      message: 'Song removed successfully',
      songs: [expect.objectContaining({ songNum: 1 }), expect.objectContaining({ songNum: 3 })],
      currentSong: 3,
    });
    expect((await as(studio).delete(room(roomId, '/songs/3'))).json()).toMatchObject({ currentSong: 1 });
    const last = await as(studio).delete(room(roomId, '/songs/1'));
    expect(last.json()).toEqual({ success: true, message: 'Song removed successfully', songs: [], currentSong: null });
  });

  it('removing a song that is not current keeps the current one playing', async () => {
    const roomId = await create({ songs: twoSongs() });
    await setOpen(roomId, true);
    const startedAt = (await info(roomId)).songStartedAt;
    t.clock.advance(5000);
    expect((await as(studio).delete(room(roomId, '/songs/2'))).json()).toMatchObject({ currentSong: 1 });
    expect((await info(roomId)).songStartedAt).toBe(startedAt);
  });

  it('SONG_NOT_FOUND and INVALID_INPUT when removing', async () => {
    const roomId = await create({ songs: twoSongs() });
    const missing = await as(studio).delete(room(roomId, '/songs/9'));
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual(error('SONG_NOT_FOUND', 'Song 9 is not in this concert'));
    for (const songNum of ['abc', '0', '-1']) {
      const res = await as(studio).delete(room(roomId, `/songs/${songNum}`));
      expect(res.statusCode, songNum).toBe(400);
      expect(res.json()).toEqual(error('INVALID_INPUT'));
    }
  });

  it('changes the current song and restarts it', async () => {
    freezeTime();
    const roomId = await create({ songs: twoSongs() });
    t.clock.advance(1000);
    const res = await as(studio).post(room(roomId, '/songs/change'), { songNum: 2 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, message: 'Song changed successfully', currentSong: 2 });
    expect(await info(roomId)).toMatchObject({ currentSong: 2, songStartedAt: t.clock.now() });
    t.clock.advance(1000);
    await as(studio).post(room(roomId, '/songs/change'), { songNum: 2 });
    expect((await info(roomId)).songStartedAt).toBe(t.clock.now());
  });

  it('MISSING_FIELDS, INVALID_INPUT and SONG_NOT_FOUND when changing', async () => {
    const roomId = await create({ songs: twoSongs() });
    const change = (body: unknown) => as(studio).post(room(roomId, '/songs/change'), body);
    const missing = await change({});
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual(error('MISSING_FIELDS', 'songNum is required'));
    const bad = await change({ songNum: 'two' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual(error('INVALID_INPUT'));
    const unknown = await change({ songNum: 9 });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual(error('SONG_NOT_FOUND', 'Song 9 is not in this concert'));
    expect((await info(roomId)).currentSong).toBe(1);
  });
});

describe('GET /api/concert/:roomId/current-song', () => {
  it("answers the current song with the room's name and studio to the studio and registered clients", async () => {
    const roomId = await create({ songs: twoSongs() });
    await setOpen(roomId, true);
    await register(roomId, ann);
    for (const participant of [studio, ann]) {
      const res = await as(participant).get(room(roomId, '/current-song'));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        success: true,
        currentSong: {
          songNum: 1,
          audioId: opening,
          streamUrl: 'https://example.com/audio/song1.mp3',
          stageDirectionId: 10,
          concertName: 'My Concert',
          studioName: 'Studio User',
          songStartedAt: expect.any(Number),
        },
      });
    }
    await as(studio).post(room(roomId, '/songs/change'), { songNum: 2 });
    expect((await as(ann).get(room(roomId, '/current-song'))).json().currentSong).toMatchObject({ songNum: 2, audioId: encore });
  });

  it('answers null while the room has no songs', async () => {
    const roomId = await create();
    expect((await as(studio).get(room(roomId, '/current-song'))).json()).toEqual({ success: true, currentSong: null });
  });

  it('ACCESS_DENIED for anyone not in the room; CONCERT_NOT_FOUND for an unknown room', async () => {
    const roomId = await create({ songs: twoSongs() });
    await setOpen(roomId, true);
    const res = await as(ben).get(room(roomId, '/current-song'));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(error('ACCESS_DENIED', 'Not in concert room'));
    const missing = await as(ben).get(room('concert_0000000000000_nothere00', '/current-song'));
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual(error('CONCERT_NOT_FOUND', 'Concert not found'));
  });
});

describe('accessories', () => {
  it('adds, removes by position and replaces them while the room is closed', async () => {
    const roomId = await create({ accessories: [accessory('Head')] });
    const added = await as(studio).post(room(roomId, '/accessories/add'), accessory('Hand_R', 3));
    expect(added.statusCode).toBe(200);
    expect(added.json()).toEqual({
      success: true,
      message: 'Accessory added successfully',
      accessories: [accessory('Head'), accessory('Hand_R', 3)],
    });

    const removed = await as(studio).delete(room(roomId, '/accessories/0'));
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toEqual({ success: true, message: 'Accessory removed successfully', accessories: [accessory('Hand_R', 3)] });

    const replaced = await as(studio).put(room(roomId, '/accessories'), { accessories: [accessory('Back', 1), accessory('Neck', 2)] });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toEqual({
      success: true,
      message: 'Accessories updated successfully',
      accessories: [accessory('Back', 1), accessory('Neck', 2)],
    });
    expect((await info(roomId)).accessories).toEqual([accessory('Back', 1), accessory('Neck', 2)]);
  });

  it('keeps only the documented accessory fields', async () => {
    const roomId = await create();
    const res = await as(studio).post(room(roomId, '/accessories/add'), { ...accessory(), colour: 'red' });
    expect(res.json().accessories).toEqual([accessory()]);
  });

  it.each([
    ['POST', '/accessories/add', accessory('Hand_L'), 'ADD_ACCESSORY_FAILED', 'Cannot add accessory while concert is open'],
    ['DELETE', '/accessories/0', undefined, 'REMOVE_ACCESSORY_FAILED', 'Cannot remove accessory while concert is open'],
    ['PUT', '/accessories', { accessories: [] }, 'UPDATE_ACCESSORIES_FAILED', 'Cannot update accessories while concert is open'],
  ] as const)('%s %s is refused with %s while the room is open', async (method, path, body, code, message) => {
    const roomId = await create({ accessories: [accessory()] });
    await setOpen(roomId, true);
    const res = await as(studio).send(method, room(roomId, path), body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(error(code, message));
    expect((await info(roomId)).accessories).toEqual([accessory()]);
    // Closing the room again allows it.
    await setOpen(roomId, false);
    expect((await as(studio).send(method, room(roomId, path), body)).statusCode).toBe(200);
  });

  it('INVALID_ACCESSORIES, MISSING_FIELDS, ACCESSORY_NOT_FOUND and INVALID_INPUT for bad edits', async () => {
    const roomId = await create({ accessories: [accessory()] });
    const badAdd = await as(studio).post(room(roomId, '/accessories/add'), { socketName: 'Head' });
    expect(badAdd.statusCode).toBe(400);
    expect(badAdd.json()).toEqual(error('INVALID_ACCESSORIES'));

    const noList = await as(studio).put(room(roomId, '/accessories'), {});
    expect(noList.statusCode).toBe(400);
    expect(noList.json()).toEqual(error('MISSING_FIELDS', 'accessories is required'));
    const notArray = await as(studio).put(room(roomId, '/accessories'), { accessories: 'hat' });
    expect(notArray.statusCode).toBe(400);
    expect(notArray.json()).toEqual(error('INVALID_ACCESSORIES', 'accessories must be an array'));
    const badItem = await as(studio).put(room(roomId, '/accessories'), { accessories: [accessory(), { modelUrl: 5 }] });
    expect(badItem.statusCode).toBe(400);
    expect(badItem.json()).toEqual(error('INVALID_ACCESSORIES', expect.stringMatching(/^accessories\[1\]/)));

    const past = await as(studio).delete(room(roomId, '/accessories/1'));
    expect(past.statusCode).toBe(404);
    expect(past.json()).toEqual(error('ACCESSORY_NOT_FOUND', 'No accessory at index 1'));
    for (const index of ['-1', 'first']) {
      const res = await as(studio).delete(room(roomId, `/accessories/${index}`));
      expect(res.statusCode, index).toBe(400);
      expect(res.json()).toEqual(error('INVALID_INPUT'));
    }
    expect((await info(roomId)).accessories).toEqual([accessory()]);
  });
});

describe('POST /api/concert/:roomId/listen-server', () => {
  it('registers the listen server, public address optional, and replaces it when sent again', async () => {
    const roomId = await create();
    const full = { localIP: '192.168.0.100', port: 7777, publicIP: '1.2.3.4', publicPort: 7777 };
    const res = await as(studio).post(room(roomId, '/listen-server'), full);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, message: 'Listen server info updated successfully', listenServer: full });
    expect((await info(roomId)).listenServer).toEqual(full);

    // A listen server without a public address may say so with nulls.
    const lanOnly = await as(studio).post(room(roomId, '/listen-server'), {
      localIP: 'fe80::1',
      port: 7000,
      publicIP: null,
      publicPort: null,
    });
    expect(lanOnly.json()).toEqual({
      success: true,
      message: 'Listen server info updated successfully',
      listenServer: { localIP: 'fe80::1', port: 7000 },
    });
    expect((await info(roomId)).listenServer).toEqual({ localIP: 'fe80::1', port: 7000 });
  });

  it('MISSING_FIELDS without localIP or port; INVALID_INPUT for a bad address or port', async () => {
    const roomId = await create();
    const send = (body: unknown) => as(studio).post(room(roomId, '/listen-server'), body);
    for (const body of [{}, { localIP: '192.168.0.100' }, { port: 7777 }, { localIP: '', port: 7777 }]) {
      const res = await send(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toEqual(error('MISSING_FIELDS', 'localIP and port are required'));
    }
    for (const body of [
      { localIP: 'my-laptop', port: 7777 },
      { localIP: '192.168.0.100', port: 70_000 },
      { localIP: '192.168.0.100', port: 7777, publicIP: 'example.com' },
      { localIP: '192.168.0.100', port: 7777, publicPort: 0 },
    ]) {
      const res = await send(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toEqual(error('INVALID_INPUT'));
    }
    expect((await info(roomId)).listenServer).toBeNull();
  });
});

describe('POST /api/concert/:roomId/toggle-open', () => {
  it('opens and closes the room as asked, and flips it without isOpen', async () => {
    freezeTime();
    const roomId = await create({ songs: twoSongs() });
    const opened = await as(studio).post(room(roomId, '/toggle-open'), { isOpen: true });
    expect(opened.statusCode).toBe(200);
    expect(opened.json()).toEqual({ success: true, message: 'Concert is now open', isOpen: true });
    expect(await info(roomId)).toMatchObject({ isOpen: true, songStartedAt: t.clock.now() });
    // Asking for the state it is in changes nothing.
    expect((await as(studio).post(room(roomId, '/toggle-open'), { isOpen: true })).json()).toMatchObject({ isOpen: true });

    const closed = await as(studio).post(room(roomId, '/toggle-open'), { isOpen: false });
    expect(closed.json()).toEqual({ success: true, message: 'Concert is now closed', isOpen: false });
    expect((await info(roomId)).isOpen).toBe(false);

    expect((await as(studio).post(room(roomId, '/toggle-open'), {})).json()).toMatchObject({ isOpen: true });
    expect((await t.app.inject({ method: 'POST', url: room(roomId, '/toggle-open'), headers: studio.headers })).json()).toMatchObject({
      isOpen: false,
    });
  });

  it('registered clients stay while the room is closed, and the listen server may register them again', async () => {
    const roomId = await create();
    await setOpen(roomId, true);
    await register(roomId, ann);
    await setOpen(roomId, false);
    expect((await info(roomId)).currentAudience).toBe(1);
    expect((await as(ann).get(room(roomId, '/current-song'))).statusCode).toBe(200);
    // A client reconnecting to the closed room keeps its seat; a new one is still turned away.
    expect((await register(roomId, ann)).json()).toEqual({ success: true, message: 'Client joined concert successfully' });
    expect((await register(roomId, ben)).json()).toEqual(error('JOIN_FAILED', 'Concert is not open'));
    expect((await info(roomId)).currentAudience).toBe(1);
  });

  it('INVALID_INPUT for an isOpen that is not a boolean', async () => {
    const roomId = await create();
    const res = await as(studio).post(room(roomId, '/toggle-open'), { isOpen: 'maybe' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(error('INVALID_INPUT'));
    // JSON bodies are not coerced: null, "true" and 1 are not booleans, and nothing changes.
    await setOpen(roomId, true);
    for (const isOpen of [null, 'true', 1]) {
      const refused = await as(studio).post(room(roomId, '/toggle-open'), { isOpen });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toEqual(error('INVALID_INPUT'));
    }
    expect((await info(roomId)).isOpen).toBe(true);
  });
});

describe('lifetime', () => {
  it("a room lapses expiresIn seconds after the studio's last change", async () => {
    freezeTime();
    const res = await as(studio).post('/api/concert/create', { concertName: 'Short', expiresIn: 60 });
    expect(res.json()).toMatchObject({ success: true, expiresIn: 60 });
    const roomId = res.json().roomId;
    const listed = async () =>
      (await as(studio).get('/api/concert/list')).json().concerts.some((c: { roomId: string }) => c.roomId === roomId);
    let moved = 0;
    const advance = (ms: number) => {
      t.clock.advance(ms);
      moved += ms;
    };
    try {
      advance(40_000);
      expect(await listed()).toBe(true);
      // A change by the studio keeps the room for another 60 s.
      await setOpen(roomId, true);
      advance(59_000);
      expect((await as(studio).get(room(roomId, '/info'))).statusCode).toBe(200);
      advance(1_000);
      const gone = await as(studio).get(room(roomId, '/info'));
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toEqual(error('CONCERT_NOT_FOUND', 'Concert not found'));
      expect(await listed()).toBe(false);
      expect((await as(studio).post(room(roomId, '/toggle-open'), { isOpen: false })).json()).toEqual(
        error('CONCERT_NOT_FOUND', 'Concert not found'),
      );
    } finally {
      t.clock.advance(-moved);
    }
  });

  it('a room without expiresIn lives two hours', async () => {
    freezeTime();
    const roomId = await create();
    t.clock.advance(7200 * 1000 - 1);
    try {
      // The signed-in tokens have lapsed by now, so the service is asked directly.
      expect(t.app.concerts.get(roomId)).not.toBeNull();
      t.clock.advance(1);
      expect(t.app.concerts.get(roomId)).toBeNull();
    } finally {
      t.clock.advance(-7200 * 1000);
    }
  });

  it('every room, its songs, accessories, listen server and audience survive a server restart', async () => {
    await acrossRestart(
      'atelier-concert-restart-',
      async (first) => {
        const host = await stageUser(first.app, 'Host');
        const guest = await stageUser(first.app, 'Guest');
        const audioId = await uploadWav(first.app, host, 'Kept', 7);
        const roomId = await create(
          { songs: [{ songNum: 1, audioId }], accessories: [accessory()], maxAudience: 3, expiresIn: 600 },
          host,
          first.app,
        );
        await requests(first.app).as(host).post(room(roomId, '/listen-server'), { localIP: '192.168.0.100', port: 7777 });
        await requests(first.app).as(host).post(room(roomId, '/toggle-open'), { isOpen: true });
        await requests(first.app).as(host).post(room(roomId, '/join'), { clientId: guest.seq });
        const before = await info(roomId, host, first.app);
        expect(before).toMatchObject({ currentAudience: 1, isOpen: true });
        return { host, guest, audioId, roomId, before };
      },
      async (second, { host, guest, audioId, roomId, before }) => {
        expect(await info(roomId, host, second.app)).toEqual(before);
        const song = await requests(second.app).as(guest).get(room(roomId, '/current-song'));
        expect(song.json().currentSong).toMatchObject({ songNum: 1, audioId, concertName: 'My Concert', studioName: 'Host' });
        // The studio is still the studio after the restart.
        expect((await requests(second.app).as(guest).post(room(roomId, '/toggle-open'), { isOpen: false })).statusCode).toBe(403);
        expect((await requests(second.app).as(host).post(room(roomId, '/toggle-open'), { isOpen: false })).statusCode).toBe(200);
        // And the room still lapses on time: 600 s after the last change.
        second.clock.advance(600_000);
        expect(second.app.concerts.get(roomId)).toBeNull();
      },
    );
  });
});

describe('ConcertService events', () => {
  it('emits concert:changed with the whole room after every change, and nothing for a refused request or one that changes nothing', async () => {
    const events: ConcertChangedEvent[] = [];
    const listener = (event: ConcertChangedEvent) => events.push(event);
    t.app.concerts.on('concert:changed', listener);
    let moved = 0;
    try {
      const roomId = await create({ songs: twoSongs(), expiresIn: 60 });
      const mine = () => events.filter((e) => e.roomId === roomId);
      const step = async (method: Method, path: string, body?: unknown) => {
        const res = await as(studio).send(method, room(roomId, path), body);
        expect(res.statusCode, `${method} ${path}: ${res.body}`).toBe(200);
        // Each event carries the room as it now is.
        const { roomId: _id, ...view } = await info(roomId);
        expect(mine().at(-1)?.concert).toMatchObject({ roomId, ...view });
      };
      await step('POST', '/listen-server', { localIP: '192.168.0.100', port: 7777 });
      await step('POST', '/accessories/add', accessory());
      await step('PUT', '/accessories', { accessories: [accessory('Back'), accessory('Neck')] });
      await step('DELETE', '/accessories/1');
      await step('POST', '/songs/add', { songNum: 3, audioId: opening });
      await step('DELETE', '/songs/3');
      await step('POST', '/songs/change', { songNum: 2 });
      await step('POST', '/toggle-open', { isOpen: true });
      await step('POST', '/join', { clientId: ann.seq });
      await step('POST', '/leave', { clientId: ann.seq });

      const count = mine().length;
      expect((await as(ben).post(room(roomId, '/toggle-open'), {})).statusCode).toBe(403);
      expect((await as(studio).post(room(roomId, '/accessories/add'), accessory())).statusCode).toBe(400);
      // Answered 200 but nothing changed: the client is already gone, the studio takes no seat.
      expect((await as(studio).post(room(roomId, '/leave'), { clientId: ann.seq })).statusCode).toBe(200);
      expect((await as(studio).post(room(roomId, '/join'), { clientId: studio.seq })).statusCode).toBe(200);
      expect(mine()).toHaveLength(count);

      t.clock.advance(60_000);
      moved = 60_000;
      expect((await as(studio).get(room(roomId, '/info'))).statusCode).toBe(404);
      expect(mine().map((e) => e.change)).toEqual([
        { type: 'created' },
        { type: 'listen-server' },
        { type: 'accessories' },
        { type: 'accessories' },
        { type: 'accessories' },
        { type: 'songs' },
        { type: 'songs' },
        { type: 'song-changed' },
        { type: 'open', isOpen: true },
        { type: 'joined', clientId: ann.seq },
        { type: 'left', clientId: ann.seq },
        { type: 'expired' },
      ]);
      expect(mine().at(-1)?.concert).toBeNull();
    } finally {
      t.app.concerts.off('concert:changed', listener);
      t.clock.advance(-moved);
    }
  });
});

describe('odd input', () => {
  it('answers every odd request with a 4xx in the stage error shape, never a 500', async () => {
    const roomId = await create({ songs: twoSongs(), accessories: [accessory()] });
    const huge = 1e20;
    const odd: Array<[Method, string, unknown]> = [
      ['POST', '/api/concert/create', ['concertName']],
      ['POST', '/api/concert/create', { concertName: 'x'.repeat(201) }],
      ['POST', '/api/concert/create', { concertName: 'x', songs: [{ songNum: huge, audioId: huge }] }],
      ['POST', '/api/concert/create', { concertName: 'x', maxAudience: huge }],
      ['POST', '/api/concert/create', { concertName: { name: 'x' } }],
      ['GET', room('x'.repeat(101), '/info'), undefined],
      ['POST', room(roomId, '/join'), { clientId: 1.5 }],
      ['POST', room(roomId, '/join'), { clientId: huge }],
      ['POST', room(roomId, '/leave'), { clientId: -3 }],
      ['POST', room(roomId, '/songs/add'), { songNum: 9, audioId: huge }],
      ['POST', room(roomId, '/songs/add'), { songNum: 9, audioId: opening, streamUrl: 'x'.repeat(3000) }],
      ['DELETE', room(roomId, `/songs/${huge}`), undefined],
      ['POST', room(roomId, '/songs/change'), { songNum: [1, 2] }],
      ['DELETE', room(roomId, '/accessories/99999999999999999999'), undefined],
      ['PUT', room(roomId, '/accessories'), { accessories: [null] }],
      ['POST', room(roomId, '/accessories/add'), []],
      ['POST', room(roomId, '/listen-server'), { localIP: ['10.0.0.1', '10.0.0.2'], port: 7777 }],
      ['POST', room(roomId, '/toggle-open'), { isOpen: { yes: true } }],
    ];
    for (const [method, url, payload] of odd) {
      const res = await t.app.inject({
        method,
        url,
        headers: studio.headers,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      const what = `${method} ${url.slice(0, 80)} ${JSON.stringify(payload)?.slice(0, 80)}: ${res.body}`;
      expect(res.statusCode, what).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, what).toBeLessThan(500);
      expect(res.json(), what).toEqual(error(expect.stringMatching(/^[A-Z_]+$/)));
    }
    expect(await info(roomId)).toMatchObject({
      listenServer: null,
      songs: twoSongs().map((s) => expect.objectContaining({ songNum: s.songNum })),
      accessories: [accessory()],
      currentAudience: 0,
    });
  });
});

describe('OpenAPI', () => {
  it("documents the fourteen spec concert endpoints at their spec paths, Atelier's four for guests, the listening-party and stage additions", async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const concertOps = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/api/concert/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(concertOps).toEqual(
      [
        'POST /api/concert/create',
        'GET /api/concert/list',
        'POST /api/concert/{roomId}/join',
        'POST /api/concert/{roomId}/leave',
        'GET /api/concert/{roomId}/info',
        'POST /api/concert/{roomId}/songs/add',
        'DELETE /api/concert/{roomId}/songs/{songNum}',
        'POST /api/concert/{roomId}/songs/change',
        'GET /api/concert/{roomId}/current-song',
        'POST /api/concert/{roomId}/accessories/add',
        'DELETE /api/concert/{roomId}/accessories/{index}',
        'PUT /api/concert/{roomId}/accessories',
        'POST /api/concert/{roomId}/listen-server',
        'POST /api/concert/{roomId}/toggle-open',
        'GET /api/concert/invite/{code}',
        'POST /api/concert/{roomId}/guests',
        'PUT /api/concert/{roomId}/guests',
        'DELETE /api/concert/{roomId}/guests/{guestId}',
        // Listening party (#17): host transport, ending, reactions and requests.
        'POST /api/concert/{roomId}/transport',
        'DELETE /api/concert/{roomId}',
        'POST /api/concert/{roomId}/reactions',
        'GET /api/concert/{roomId}/requests',
        'POST /api/concert/{roomId}/requests',
        'POST /api/concert/{roomId}/requests/{requestId}/accept',
        'DELETE /api/concert/{roomId}/requests/{requestId}',
        // The 3D stage (#17): the stage model and a preview of accessories.
        'PUT /api/concert/{roomId}/stage',
        'POST /api/concert/{roomId}/stage/preview',
      ].sort(),
    );
    const song = doc.paths['/api/concert/{roomId}/songs/add'].post.requestBody.content['application/json'].schema;
    expect(song.properties.stageDirectionId.type).toEqual(['integer', 'null']);
  });
});
