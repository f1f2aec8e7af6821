import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, signUp, bearer, type TestApp } from '../helpers/app';
import { accessory, stageUser, uploadWav, type StageUser } from '../stage/helpers';
import { makeStudioSamples, putTo, studioUser, type StudioUser } from '../studio/helpers';

/**
 * Requests shaped the way the seed services' clients (FastAPI/Pydantic, Spring/Jackson) send them
 * work unchanged on every family: unknown fields, bare bodies, other methods, foreign id shapes.
 */
let t: TestApp;
let alice: StudioUser;
let stage: StageUser;
let canvas: Record<string, string>;

beforeAll(async () => {
  t = await makeTestApp();
  alice = await studioUser(t.app, 'Alice');
  stage = await stageUser(t.app, 'Stagey');
  canvas = bearer((await signUp(t.app)).accessToken);
});
afterAll(async () => {
  await t.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
const call = (method: Method, url: string, headers: Record<string, string>, payload?: unknown) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

async function newStudio(name = 'Demo'): Promise<number> {
  const res = await call('POST', '/api/work/studio', alice.headers, { studioName: name });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data.studioId;
}

describe('1. unknown JSON fields are ignored, known ones keep their types', () => {
  it('studio: the presign answer sent back with a title saves the song; extras are never stored', async () => {
    const studioId = await newStudio();
    const samples = await makeStudioSamples();
    const ticket = (await call('GET', '/api/song/basic/presignedUrl', alice.headers)).json().data;
    await putTo(t.app, ticket.basicSongPresignedUrl, samples.m4a);
    // A client sends the whole presign answer back, plus fields of its own.
    const saved = await call('POST', `/api/song/studios/${studioId}/basic/save`, alice.headers, {
      ...ticket,
      name: 'Hum',
      title: 'Hum',
      owner: 'mallory',
    });
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json().data).not.toHaveProperty('owner');
    expect(saved.json().data.title).toBe('Hum');

    const renamed = await call('PUT', `/api/work/studio/${studioId}`, alice.headers, { studioName: 'Renamed', studioId: 999, userId: 'x' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().data.studioName).toBe('Renamed');
    expect(renamed.json().data.studioId).toBe(studioId);

    // Known fields keep strict types: a number in quotes is still refused.
    const wrongType = await call('PUT', `/api/work/studio/${studioId}`, alice.headers, { studioName: 5, extra: true });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error.code).toBe('VALIDATION_ERROR');
  });

  it('studio: PUT /api/work/track/{id}/{trackId} takes a track with extra fields', async () => {
    const studioId = await newStudio();
    const created = (
      await call('POST', `/api/work/track/${studioId}`, alice.headers, { trackName: 'Take', instrument: 'piano', color: 'red' })
    ).json().data;
    const res = await call('PUT', `/api/work/track/${studioId}/${created.track.trackId}`, alice.headers, {
      trackName: 'Take 2',
      status: 'ready',
    });
    expect(res.statusCode, res.body).toBe(200);
    const track = (await call('GET', `/api/work/studio/${studioId}`, alice.headers)).json().data.trackList[0];
    expect(track).toMatchObject({ trackName: 'Take 2', status: 'pending' });
    expect(track).not.toHaveProperty('color');
  });

  it('stage: extra fields inside saved accessories are not written to the preset file', async () => {
    const res = await call('POST', '/api/accessory-presets/save', stage.headers, {
      presetName: 'P',
      accessories: [{ ...accessory(), secret: 'x' }],
      junk: 1,
    });
    expect(res.statusCode, res.body).toBe(200);
    const detail = (await call('GET', `/api/accessory-presets/${res.json().preset.id}`, stage.headers)).json().preset;
    expect(detail.accessories).toEqual([accessory()]);
  });

  it('canvas: a board created with extra fields stores only the known ones', async () => {
    const res = await call('POST', '/api/v1/boards', canvas, { name: 'Board', color: 'blue', user_id: 'someone-else' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().data).not.toHaveProperty('color');
    const wrongType = await call('POST', '/api/v1/boards', canvas, { name: 7, color: 'blue' });
    expect(wrongType.statusCode).toBe(400);
  });

  it('the OpenAPI document still lists only the known fields', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const schema = doc.paths['/api/work/studio/{studioid}'].put.requestBody.content['application/json'].schema;
    expect(Object.keys(schema.properties).sort()).toEqual(['studioName', 'updateList']);
  });
});

describe('2. a request without a body works where the route needs no field', () => {
  it('studio: a bare DELETE /api/work/track/{id}/fail gives up the newest pending track', async () => {
    const studioId = await newStudio();
    const keep = (await call('POST', `/api/work/track/${studioId}`, alice.headers, { trackName: 'Keep', instrument: 'piano' })).json().data;
    const failed = (await call('POST', `/api/work/track/${studioId}`, alice.headers, { trackName: 'Failed', instrument: 'piano' })).json()
      .data;
    const res = await t.app.inject({ method: 'DELETE', url: `/api/work/track/${studioId}/fail`, headers: alice.headers });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({ trackId: failed.track.trackId, studioId });
    const left = (await call('GET', `/api/work/studio/${studioId}`, alice.headers)).json().data.trackList;
    expect(left.map((x: { trackId: number }) => x.trackId)).toEqual([keep.track.trackId]);
    // An empty body labelled JSON is no body either.
    const labelled = await t.app.inject({
      method: 'DELETE',
      url: `/api/work/track/${studioId}/fail`,
      headers: { ...alice.headers, 'content-type': 'application/json' },
    });
    expect(labelled.statusCode, labelled.body).toBe(200);
  });

  it('studio: DELETE /api/users with a valid token and no body deletes the account; a sent password must match', async () => {
    const bob = await studioUser(t.app, 'Bob');
    const wrong = await call('DELETE', '/api/users', bob.headers, { password: 'not the password 1' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
    const bare = await t.app.inject({ method: 'DELETE', url: '/api/users', headers: bob.headers });
    expect(bare.statusCode, bare.body).toBe(200);
    expect((await call('GET', '/api/users', bob.headers)).statusCode).toBe(401);
  });

  it('a route that needs a field names it instead of "body must be object"', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/boards', headers: canvas });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/name is required/);
  });
});

describe('3. 405 with Allow for a path that exists with another method', () => {
  it.each([
    [
      'studio',
      'PATCH',
      '/api/work/studio',
      'GET, HEAD, POST',
      { success: false, error: { code: 'METHOD_NOT_ALLOWED', message: expect.any(String) } },
    ],
    [
      'studio',
      'POST',
      '/api/work/studio/1',
      'DELETE, GET, HEAD, PUT',
      { success: false, error: { code: 'METHOD_NOT_ALLOWED', message: expect.any(String) } },
    ],
    ['stage', 'DELETE', '/api/audio/list', 'GET, HEAD', { success: false, error: 'METHOD_NOT_ALLOWED', message: expect.any(String) }],
    ['canvas', 'PUT', '/api/v1/boards', 'GET, HEAD, POST', { success: false, error: { code: 'NOT_FOUND', message: expect.any(String) } }],
    ['system', 'POST', '/system/info', 'GET, HEAD', { success: false, error: { code: 'METHOD_NOT_ALLOWED', message: expect.any(String) } }],
  ])('%s: %s %s', async (_family, method, url, allow, body) => {
    const res = await t.app.inject({ method: method as Method, url });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.json()).toEqual(body);
  });

  it('a trailing slash or an encoded path is the same path; a path that does not exist stays 404', async () => {
    expect((await t.app.inject({ method: 'PATCH', url: '/api/work/studio/' })).statusCode).toBe(405);
    expect((await t.app.inject({ method: 'PATCH', url: '/api/work/%73tudio' })).statusCode).toBe(405);
    const missing = await t.app.inject({ method: 'PATCH', url: '/api/work/nothing-here' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers.allow).toBeUndefined();
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/nothing' })).json().error.code).toBe('NOT_FOUND');
  });
});

describe('4. an id is digits or it is not found', () => {
  it('studio: 0x1, 1e0, +1, 1.0 and text do not read as studio 1', async () => {
    const studioId = await newStudio('First');
    expect((await call('GET', `/api/work/studio/${studioId}`, alice.headers)).statusCode).toBe(200);
    for (const id of ['0x1', '1e0', '+1', '1.0', ' 1', 'abc', '-1'].map((x) => encodeURIComponent(x.replace('1', String(studioId))))) {
      const res = await call('GET', `/api/work/studio/${id}`, alice.headers);
      expect(res.statusCode, id).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
  });

  it("stage: /api/audio/file/0x1 does not serve audio 1; 1e3 is not 1000 (the spec's own INVALID_ID for a malformed id)", async () => {
    const id = await uploadWav(t.app, stage, 'Hum');
    expect((await call('GET', `/api/audio/file/${id}`, stage.headers)).statusCode).toBe(200);
    for (const other of [`0x${id.toString(16)}`, `${id}e0`, `${id / 1000}e3`, `${id}.0`, 'abc']) {
      for (const url of [`/api/audio/file/${other}`, `/api/audio/${other}`]) {
        const res = await call('GET', url, stage.headers);
        expect(res.statusCode, url).toBe(400);
        expect(res.json()).toEqual({ success: false, error: 'INVALID_ID', message: 'Invalid audio ID' });
      }
    }
  });
});

describe("4. canvas: the spec's own id shapes are 404, not 400", () => {
  const notFound = { success: false, error: { code: 'NOT_FOUND', message: expect.any(String) } };
  it.each([
    ['GET', '/api/v1/queue/items/job-001'],
    ['DELETE', '/api/v1/queue/items/job-550e8400-e29b-41d4'],
    ['GET', '/api/v1/images/img-001'],
    ['DELETE', '/api/v1/images/img-001'],
    ['POST', '/api/v1/images/img-001/star'],
    ['DELETE', '/api/v1/images/img-001/star'],
    ['POST', '/api/v1/images/img-001/share'],
    ['DELETE', '/api/v1/images/img-001/share'],
    ['GET', '/api/v1/boards/board-001'],
    ['GET', '/api/v1/workflows/wf-001'],
  ])('%s %s', async (method, url) => {
    const res = await call(method as Method, url, canvas);
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json()).toEqual(notFound);
  });

  it('board image routes: img-001 is not in your gallery (404), on the path or in the body', async () => {
    const board = (await call('POST', '/api/v1/boards', canvas, { name: 'Ids' })).json().data;
    const removed = await call('DELETE', `/api/v1/boards/${board.id}/images/img-001`, canvas);
    expect(removed.statusCode).toBe(404);
    const added = await call('POST', `/api/v1/boards/${board.id}/images`, canvas, { image_ids: ['img-001'] });
    expect(added.statusCode).toBe(404);
    expect(added.json().error).toMatchObject({ code: 'NOT_FOUND', details: { image_ids: ['img-001'] } });
    // A value of the wrong type is still a validation error.
    expect((await call('POST', `/api/v1/boards/${board.id}/images`, canvas, { image_ids: [7] })).statusCode).toBe(400);
  });
});

describe('text fields refuse characters that are not valid text', () => {
  it.each(['\u0000', '\u0001', '\u001f', '\ufffe', '\ud800'])('canvas: a board named with U+%s is refused and not stored', async (ch) => {
    const res = await call('POST', '/api/v1/boards', canvas, { name: `b${ch}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringMatching(/body\.name contains control characters/),
    });
  });

  it('tabs, line breaks and emoji are text', async () => {
    const res = await call('POST', '/api/v1/boards', canvas, { name: 'a\tb', description: 'line\r\nbreak 🎨' });
    expect(res.statusCode, res.body).toBe(201);
  });
});
