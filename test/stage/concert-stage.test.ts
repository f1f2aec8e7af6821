import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConcertReactionEvent, ConcertSnapshot } from '../../src-shared/events';
import { makeTestApp, type TestApp } from '../helpers/app';
import { requests } from '../helpers/inject';
import { waitFor } from '../jobs/helpers';
import { hatGlb, performerGlb } from './glb';
import { accessory, connectSocket, form, listen, stageUser, uploadWav, type ClientSocket, type StageUser } from './helpers';
import { LIBRARY_LIMIT, REACTION_LIMIT, REQUEST_LIMIT } from '../../src-server/families/stage/concerts/realtime';

let t: TestApp;
let baseUrl: string;
let studio: StageUser;
let bob: StageUser;
let performerId: number;
let hatId: number;
let bobsModelId: number;
const sockets: ClientSocket[] = [];
const { as, anon } = requests(() => t.app);

async function uploadModel(user: StageUser, name: string, bytes: Buffer): Promise<number> {
  const res = await as(user).post(
    '/api/models/upload',
    form([
      { name: 'model_name', value: name },
      { name: 'model', filename: `${name}.glb`, content: bytes },
    ]),
  );
  expect(res.statusCode).toBe(201);
  return res.json().model.id;
}

const socketWith = (token: string) => connectSocket(baseUrl, token, sockets);

async function createConcert(accessories: object[] = []): Promise<string> {
  const res = await as(studio).post('/api/concert/create', { concertName: 'Stage night', maxAudience: 5, accessories });
  expect(res.statusCode).toBe(200);
  return res.json().roomId;
}

const setStage = (roomId: string, modelId: unknown, user = studio) => as(user).put(`/api/concert/${roomId}/stage`, { modelId });
const open = (roomId: string) => as(studio).post(`/api/concert/${roomId}/toggle-open`, { isOpen: true });
const error = (code: string) => ({ success: false, error: code, message: expect.any(String) });

/** The room as its studio's socket sees it. */
async function snapshot(roomId: string): Promise<ConcertSnapshot> {
  const host = await socketWith(studio.token);
  const joined = await host.timeout(5000).emitWithAck('concert:join', { roomId });
  if (!joined.ok) throw new Error(joined.message);
  host.disconnect();
  return joined.concert;
}

beforeAll(async () => {
  t = await makeTestApp();
  baseUrl = await listen(t.app);
  studio = await stageUser(t.app, 'Studio');
  bob = await stageUser(t.app, 'Bob');
  performerId = await uploadModel(studio, 'Performer', performerGlb());
  hatId = await uploadModel(studio, 'Hat', hatGlb());
  bobsModelId = await uploadModel(bob, 'Secret', hatGlb());
});

afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});

afterAll(async () => {
  await t?.close();
});

describe('the concert stage: a 3D model of the library, dressed with its accessories', () => {
  it("shows listeners the studio's model and library accessories as signed files, and no stage without a model", async () => {
    const hat = { ...accessory('Head', 5), modelUrl: `/api/models/file/${hatId}` };
    const roomId = await createConcert([hat, accessory('hand_r')]);
    expect((await snapshot(roomId)).stage).toBeNull();

    const set = await setStage(roomId, performerId);
    expect(set.json()).toEqual({ success: true, message: 'Stage model updated', stageModelId: performerId });
    const { stage } = await snapshot(roomId);
    expect(stage).toMatchObject({
      model: { modelId: performerId, name: 'Performer', format: 'glb' },
      accessories: [
        { index: 0, socketName: 'Head', model: { modelId: hatId, name: 'Hat', format: 'glb' } },
        // A URL elsewhere is kept for the Unreal client but not loaded on the web stage.
        { index: 1, socketName: 'hand_r', modelUrl: 'https://example.com/hat.fbx', model: null },
      ],
    });
    // The signed URL needs no token and serves the very bytes uploaded.
    const file = await fetch(`${baseUrl}${stage!.model.url}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('model/gltf-binary');
    expect(Buffer.from(await file.arrayBuffer()).equals(performerGlb())).toBe(true);

    expect((await setStage(roomId, null)).json()).toMatchObject({ success: true, stageModelId: null });
    expect((await snapshot(roomId)).stage).toBeNull();
  });

  it('lets the studio delete a model on a stage: the stage goes with it', async () => {
    const roomId = await createConcert();
    const doomed = await uploadModel(studio, 'Doomed', performerGlb());
    await setStage(roomId, doomed);
    expect((await snapshot(roomId)).stage?.model.name).toBe('Doomed');
    expect((await as(studio).delete(`/api/models/${doomed}`)).statusCode).toBe(200);
    expect((await snapshot(roomId)).stage).toBeNull();
  });

  it('refuses a stage model that is not shown-able, not the studio’s, or while the doors are open', async () => {
    const roomId = await createConcert();
    const registered = await as(studio).post('/api/models/register', { model_name: 'Elsewhere', file_path: 'somewhere/else.glb' });
    const cases: [unknown, StageUser, number, string][] = [
      [undefined, studio, 400, 'MISSING_FIELDS'],
      ['1', studio, 400, 'INVALID_INPUT'],
      [bobsModelId, studio, 404, 'MODEL_NOT_FOUND'],
      [registered.json().model.id, studio, 409, 'MODEL_NOT_STORED'],
      [performerId, bob, 403, 'PERMISSION_DENIED'],
    ];
    for (const [modelId, user, status, code] of cases) {
      const res = await setStage(roomId, modelId, user);
      expect([res.statusCode, res.json()], String(modelId)).toEqual([status, error(code)]);
    }
    expect((await as(studio).put('/api/concert/nope/stage', { modelId: performerId })).json()).toEqual(error('CONCERT_NOT_FOUND'));
    // The stage spec answers a missing token 403, as every other stage route does.
    expect((await anon().put(`/api/concert/${roomId}/stage`, { modelId: performerId })).statusCode).toBe(403);
    await open(roomId);
    const whileOpen = await setStage(roomId, performerId);
    expect([whileOpen.statusCode, whileOpen.json()]).toEqual([400, error('UPDATE_STAGE_FAILED')]);
    expect((await snapshot(roomId)).stage).toBeNull();
  });

  it('previews other accessories for the studio only, and never signs another account’s model', async () => {
    const roomId = await createConcert();
    await setStage(roomId, performerId);
    const draft = [
      { ...accessory('Head'), modelUrl: `/api/models/file/${hatId}` },
      { ...accessory('hand_r'), modelUrl: `http://127.0.0.1:1/api/models/file/${bobsModelId}` },
    ];
    const preview = await as(studio).post(`/api/concert/${roomId}/stage/preview`, { accessories: draft });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().stage.accessories.map((a: { model: { name: string } | null }) => a.model?.name ?? null)).toEqual(['Hat', null]);
    // Nothing changed: the concert has no accessories yet.
    expect((await snapshot(roomId)).stage?.accessories).toEqual([]);

    const other = await as(studio).post(`/api/concert/${roomId}/stage/preview`, { accessories: [], modelId: hatId });
    expect(other.json().stage.model.name).toBe('Hat');
    expect((await as(studio).post(`/api/concert/${roomId}/stage/preview`, { accessories: [], modelId: null })).json()).toEqual({
      success: true,
      stage: null,
    });
    const bad = await as(studio).post(`/api/concert/${roomId}/stage/preview`, { accessories: [{ socketName: 'Head' }] });
    expect([bad.statusCode, bad.json()]).toEqual([400, error('INVALID_ACCESSORIES')]);
    const notMine = await as(bob).post(`/api/concert/${roomId}/stage/preview`, { accessories: [] });
    expect([notMine.statusCode, notMine.json()]).toEqual([403, error('PERMISSION_DENIED')]);
  });
});

describe('guests react and request songs over their socket', () => {
  it('lets a seated guest react, list the library and request a song the host accepts, within limits', async () => {
    const audioId = await uploadWav(t.app, studio, 'Guest pick', 3);
    const roomId = await createConcert();
    await open(roomId);
    const pass = (await anon().post(`/api/concert/${roomId}/guests`, { displayName: 'Dana' })).json().guestPass as string;

    const host = await socketWith(studio.token);
    const reactions: ConcertReactionEvent[] = [];
    const states: ConcertSnapshot[] = [];
    host.on('concert:reaction', (r) => reactions.push(r));
    host.on('concert:state', (s) => states.push(s));
    await host.timeout(5000).emitWithAck('concert:join', { roomId });

    const guest = await socketWith(pass);
    // Not seated yet: nothing is allowed.
    expect(await guest.timeout(5000).emitWithAck('concert:react', { roomId, emoji: '🔥' })).toMatchObject({
      ok: false,
      code: 'ACCESS_DENIED',
    });
    expect((await guest.timeout(5000).emitWithAck('concert:join', { roomId })).ok).toBe(true);

    const library = await guest.timeout(5000).emitWithAck('concert:library', { roomId });
    expect(library).toMatchObject({ ok: true, songs: [{ audioId, title: 'Guest pick' }] });

    expect(await guest.timeout(5000).emitWithAck('concert:react', { roomId, emoji: '🔥' })).toEqual({ ok: true });
    await waitFor(() => reactions.length > 0, 'the host to see the reaction');
    expect(reactions[0]).toMatchObject({ roomId, name: 'Dana', emoji: '🔥', userId: expect.any(Number) });
    expect(reactions[0]!.userId).toBeLessThan(0);
    expect(await guest.timeout(5000).emitWithAck('concert:react', { roomId, emoji: 'x' })).toMatchObject({
      ok: false,
      code: 'INVALID_REACTION',
    });

    const requested = await guest.timeout(5000).emitWithAck('concert:request', { roomId, audioId });
    expect(requested).toEqual({ ok: true, requestId: expect.any(String) });
    const waiting = await waitFor(() => states.find((s) => s.requests.length > 0), 'the request to reach the host');
    expect(waiting.requests[0]).toMatchObject({ audioId, name: 'Dana', title: 'Guest pick' });
    const accepted = await as(studio).post(`/api/concert/${roomId}/requests/${(requested as { requestId: string }).requestId}/accept`);
    expect(accepted.json().songs).toEqual([expect.objectContaining({ audioId })]);

    expect(await guest.timeout(5000).emitWithAck('concert:request', { roomId, audioId: 'one' as unknown as number })).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
    });
    expect(await guest.timeout(5000).emitWithAck('concert:request', { roomId, audioId: 999_999 })).toMatchObject({
      ok: false,
      code: 'AUDIO_NOT_FOUND',
    });
  });

  it('slows down a listener who floods the room, and only that listener', async () => {
    const audioId = await uploadWav(t.app, studio, 'Flood', 4);
    const roomId = await createConcert();
    await open(roomId);
    const seat = async (name: string) => {
      const pass = (await anon().post(`/api/concert/${roomId}/guests`, { displayName: name })).json().guestPass as string;
      const socket = await socketWith(pass);
      expect((await socket.timeout(5000).emitWithAck('concert:join', { roomId })).ok).toBe(true);
      return socket;
    };
    const eve = await seat('Eve');
    const fay = await seat('Fay');
    for (let i = 0; i < REACTION_LIMIT.count; i++) {
      expect(await eve.timeout(5000).emitWithAck('concert:react', { roomId, emoji: '👏' })).toEqual({ ok: true });
    }
    const slowed = await eve.timeout(5000).emitWithAck('concert:react', { roomId, emoji: '👏' });
    expect(slowed).toMatchObject({ ok: false, code: 'SLOW_DOWN', message: expect.stringMatching(/try again in \d+ s/) });
    expect(await fay.timeout(5000).emitWithAck('concert:react', { roomId, emoji: '👏' })).toEqual({ ok: true });

    for (let i = 0; i < REQUEST_LIMIT.count; i++) {
      expect((await eve.timeout(5000).emitWithAck('concert:request', { roomId, audioId })).ok).toBe(true);
    }
    expect(await eve.timeout(5000).emitWithAck('concert:request', { roomId, audioId })).toMatchObject({ ok: false, code: 'SLOW_DOWN' });

    for (let i = 0; i < LIBRARY_LIMIT.count; i++)
      expect((await fay.timeout(5000).emitWithAck('concert:library', { roomId })).ok).toBe(true);
    expect(await fay.timeout(5000).emitWithAck('concert:library', { roomId })).toMatchObject({ ok: false, code: 'SLOW_DOWN' });
  });
});
