import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storiesChapters, storiesConversations } from '../../src-server/db/schema';
import { eq } from 'drizzle-orm';
import type { StoryBrief, StoryEngine, StoryOutline } from '../../src-server/families/stories/engines/types';
import { bearer, makeTestApp, signUp, type SignedIn, type TestApp } from '../helpers/app';
import { requests } from '../helpers/inject';
import { gate } from '../jobs/helpers';
import { eventually, getStory, postStory, settled, type StoryJson } from './helpers';

let t: TestApp;
/** Requests with a user's access token. */
const as = (token: string) => requests(() => t.app).as({ headers: bearer(token) });
let alice: SignedIn;
let bob: SignedIn;

beforeAll(async () => {
  t = await makeTestApp();
  alice = await signUp(t.app, { name: 'Alice' });
  bob = await signUp(t.app, { name: 'Bob' });
});
afterAll(async () => t.close());

const errorOf = (res: { json(): unknown }) => res.json() as { success: boolean; error: { code: string; message: string } };

function conversationFor(ownerId: string, childName = '민준'): string {
  const id = crypto.randomUUID();
  const at = new Date().toISOString();
  t.app.db
    .insert(storiesConversations)
    .values({
      id,
      ownerId,
      childName,
      age: 5,
      interests: [],
      language: 'ko',
      turns: [],
      status: 'ended',
      createdAt: at,
      updatedAt: at,
      elements: { hero: '용감한 토끼', place: '바닷가', friend: '거북이', problem: '보물 지도가 바람에 날아갔어' },
    })
    .run();
  return id;
}

/** The built-in engine, with each chapter held until the test lets it through. */
function gatedEngine() {
  const builtin: StoryEngine = t.app.storyEngines.builtin;
  const gates = Array.from({ length: 8 }, () => gate());
  const engine: StoryEngine = {
    name: 'gated test engine',
    outline: (b, s) => builtin.outline(b, s),
    chapter: async (b: StoryBrief, o: StoryOutline, i: number, s: AbortSignal) => {
      await gates[i]!.promise;
      return builtin.chapter(b, o, i, s);
    },
  };
  return { engine, gates };
}

describe('POST /api/v1/stories', () => {
  it('answers 202 with the pending story, which a job writes chapter by chapter to completion', async () => {
    const conversationId = conversationFor(alice.id);
    const res = await postStory(t.app, alice.accessToken, {
      user_preferences: { theme: '모험', length: 'medium' },
      conversation_id: conversationId,
    });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.success).toBe(true);
    expect(body.data).toMatchObject({
      object: 'story',
      owner_id: alice.id,
      status: 'pending',
      chapters: [],
      conversation_id: conversationId,
      language: 'ko',
    });
    const done = await settled(t.app, alice.accessToken, body.data.id);
    expect(done.status).toBe('completed');
    expect(done.engine).toMatch(/atelier-storyteller/);
    expect(done.title).not.toBe('새 이야기');
    expect(done.chapters.map((c) => c.chapter_number)).toEqual([1, 2, 3, 4, 5]);
    for (const c of done.chapters) {
      expect(c).toMatchObject({ object: 'chapter', image: null, audio: null });
      expect(c.content).toContain('민준');
    }
    expect(done.chapters.map((c) => c.content).join(' ')).toContain('용감한 토끼');
  });

  it('shows chapters as they are written, and the job reports progress', async () => {
    const { engine, gates } = gatedEngine();
    t.app.storyEngines.use(engine);
    try {
      const res = await postStory(t.app, alice.accessToken, {
        user_preferences: { characters: ['a brave rabbit', 'a wise turtle'], length: 'short', language: 'en' },
      });
      const id = res.json().data.id as string;
      gates[0]!.open();
      const partial = await eventually(async () => {
        const s = await getStory(t.app, alice.accessToken, id);
        return s.chapters.length === 1 ? s : null;
      }, 'first chapter');
      expect(partial.status).toBe('in_progress');
      expect(partial.engine).toBe('gated test engine');
      const job = t.app.jobs.get(res.json().data.job_id)!;
      expect(job.stage).toBe('chapter');
      for (const g of gates) g.open();
      const done = await settled(t.app, alice.accessToken, id);
      expect(done.status).toBe('completed');
      expect(done.chapters).toHaveLength(4);
      expect(done.chapters[0]!.content).toMatch(/the brave rabbit/i);
    } finally {
      t.app.storyEngines.use(null);
    }
  });

  it('fails with a readable reason when the engine breaks, and CONTENT_FILTERED when its text is unsafe', async () => {
    const builtin: StoryEngine = t.app.storyEngines.builtin;
    t.app.storyEngines.use({
      name: 'broken',
      outline: (b, s) => builtin.outline(b, s),
      chapter: async (b, o, i, s) => {
        if (i === 1) throw new Error('model ran out of memory');
        return builtin.chapter(b, o, i, s);
      },
    });
    try {
      const broken = await settled(t.app, alice.accessToken, (await postStory(t.app, alice.accessToken)).json().data.id);
      expect(broken).toMatchObject({ status: 'failed', fail_code: 'STORY_ENGINE_FAILED' });
      expect(broken.fail_reason).toContain('model ran out of memory');
      t.app.storyEngines.use({
        name: 'rude',
        outline: (b, s) => builtin.outline(b, s),
        chapter: async () => ({ title: 'Bad', content: 'They wanted to kill it. It was dead. Blood everywhere.' }),
      });
      const rude = await settled(t.app, alice.accessToken, (await postStory(t.app, alice.accessToken)).json().data.id);
      expect(rude).toMatchObject({ status: 'failed', fail_code: 'CONTENT_FILTERED', chapters: [] });
    } finally {
      t.app.storyEngines.use(null);
    }
  });

  it('refuses bad input with VALIDATION_ERROR, UNSAFE_CONTENT, INVALID_TOKEN and the size limits', async () => {
    const cases: [object, number, string][] = [
      [{ user_preferences: { length: 'huge' } }, 400, 'VALIDATION_ERROR'],
      [{ user_preferences: { characters: 'rabbit' } }, 400, 'VALIDATION_ERROR'],
      [{ conversation_id: 'not-a-uuid' }, 400, 'VALIDATION_ERROR'],
      [{ conversation_id: crypto.randomUUID() }, 400, 'VALIDATION_ERROR'],
      [{ conversation_id: conversationFor(bob.id) }, 400, 'VALIDATION_ERROR'],
      [{ user_preferences: { theme: 'how to kill a dragon' } }, 400, 'UNSAFE_CONTENT'],
      [{ user_preferences: { characters: ['바보 토끼'] } }, 400, 'UNSAFE_CONTENT'],
      [{ user_preferences: { theme: 'x'.repeat(10_001) } }, 400, 'VALIDATION_ERROR'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await postStory(t.app, alice.accessToken, payload);
      expect([res.statusCode, errorOf(res).error.code], JSON.stringify(payload).slice(0, 80)).toEqual([status, code]);
      expect(errorOf(res).success).toBe(false);
    }
    const big = await t.app.inject({
      method: 'POST',
      url: '/api/v1/stories',
      headers: { ...bearer(alice.accessToken), 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }),
    });
    expect([big.statusCode, errorOf(big).error.code]).toEqual([413, 'VALIDATION_ERROR']);
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/stories',
      headers: { ...bearer(alice.accessToken), 'content-type': 'application/json' },
      payload: '{"user_preferences":',
    });
    expect([broken.statusCode, errorOf(broken).error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/stories', payload: {} });
    expect([anonymous.statusCode, errorOf(anonymous).error.code]).toEqual([401, 'INVALID_TOKEN']);
    const forged = await postStory(t.app, 'not.a.token');
    expect([forged.statusCode, errorOf(forged).error.code]).toEqual([401, 'INVALID_TOKEN']);
  });
});

describe('GET /api/v1/stories', () => {
  let carol: SignedIn;
  const ids: string[] = [];

  beforeAll(async () => {
    carol = await signUp(t.app, { name: 'Carol' });
    for (const theme of ['delta', 'alpha', 'charlie', 'bravo', 'echo']) {
      t.clock.advance(1000);
      const res = await postStory(t.app, carol.accessToken, { user_preferences: { theme, length: 'short', language: 'en' } });
      ids.push(res.json().data.id);
    }
    for (const id of ids) await settled(t.app, carol.accessToken, id);
  });

  const list = (query: string, token = carol.accessToken) => as(token).get(`/api/v1/stories?${query}`);

  it('pages newest first in the list envelope, and a cursor stays right while stories come and go', async () => {
    const first = await list('page_size=2');
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1).toMatchObject({ object: 'list', has_more: true });
    expect(page1.results.map((s: StoryJson) => s.id)).toEqual([ids[4], ids[3]]);
    // A story added before the next page and one of the unseen ones deleted: no repeats, no gaps.
    t.clock.advance(1000);
    const added = (await postStory(t.app, carol.accessToken, { user_preferences: { length: 'short' } })).json().data.id as string;
    expect((await as(carol.accessToken).delete(`/api/v1/stories/${ids[2]}`)).statusCode).toBe(204);
    const page2 = (await list(`page_size=2&start_cursor=${encodeURIComponent(page1.next_cursor)}`)).json();
    expect(page2.results.map((s: StoryJson) => s.id)).toEqual([ids[1], ids[0]]);
    expect(page2).toMatchObject({ has_more: false, next_cursor: null });
    await settled(t.app, carol.accessToken, added);
  });

  it('filters by status and sorts by title either way', async () => {
    const asc = (await list('sort_by=title&order=asc&status=completed&page_size=100')).json();
    const titles = asc.results.map((s: StoryJson) => s.title);
    expect(titles).toEqual([...titles].sort());
    expect(asc.results.every((s: StoryJson) => s.status === 'completed')).toBe(true);
    const failed = (await list('status=failed')).json();
    expect(failed.results).toEqual([]);
    let cursor: string | null = null;
    const seen: string[] = [];
    do {
      const res: { results: StoryJson[]; next_cursor: string | null } = (
        await list(`sort_by=title&order=desc&page_size=1${cursor ? `&start_cursor=${encodeURIComponent(cursor)}` : ''}`)
      ).json();
      seen.push(...res.results.map((s: StoryJson) => s.title));
      cursor = res.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...titles].sort().reverse());
  });

  it('refuses out-of-bounds page sizes, bad sorts and edited or foreign cursors', async () => {
    const cursor = (await list('page_size=1')).json().next_cursor as string;
    const [body, sig] = cursor.split('.');
    const edited =
      Buffer.from(
        Buffer.from(body!, 'base64url')
          .toString()
          .replace(/"desc"/, '"asc"'),
      ).toString('base64url') +
      '.' +
      sig;
    const cases: [string, string][] = [
      ['page_size=0', 'VALIDATION_ERROR'],
      ['page_size=101', 'VALIDATION_ERROR'],
      ['page_size=abc', 'VALIDATION_ERROR'],
      ['sort_by=owner_id', 'VALIDATION_ERROR'],
      ['order=sideways', 'VALIDATION_ERROR'],
      ['status=lost', 'VALIDATION_ERROR'],
      ['start_cursor=garbage', 'INVALID_CURSOR'],
      [`start_cursor=${encodeURIComponent(edited)}`, 'INVALID_CURSOR'],
      [`start_cursor=${encodeURIComponent(cursor)}&order=asc`, 'INVALID_CURSOR'],
    ];
    for (const [query, code] of cases) {
      const res = await list(query);
      expect([res.statusCode, errorOf(res).error.code], query).toEqual([400, code]);
    }
    const foreign = await list(`start_cursor=${encodeURIComponent(cursor)}`, alice.accessToken);
    expect(errorOf(foreign).error.code).toBe('INVALID_CURSOR');
    expect((await list('page_size=100', bob.accessToken)).json().results).toEqual([]);
  });
});

describe('one story', () => {
  it('GET, PATCH and DELETE answer the owner; another account gets 403 without content, an unknown id 404', async () => {
    const story = await settled(
      t.app,
      alice.accessToken,
      (await postStory(t.app, alice.accessToken, { user_preferences: { length: 'short' } })).json().data.id,
    );
    const url = `/api/v1/stories/${story.id}`;
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await t.app.inject({
        method,
        url,
        headers: bearer(bob.accessToken),
        payload: method === 'PATCH' ? { title: 'Mine now' } : undefined,
      });
      expect([res.statusCode, errorOf(res).error.code]).toEqual([403, 'INSUFFICIENT_PERMISSION']);
      expect(res.body).not.toContain(story.chapters[0]!.content);
      const missing = await t.app.inject({
        method,
        url: `/api/v1/stories/${crypto.randomUUID()}`,
        headers: bearer(alice.accessToken),
        payload: method === 'PATCH' ? { title: 'x' } : undefined,
      });
      expect([missing.statusCode, errorOf(missing).error.code]).toEqual([404, 'RESOURCE_NOT_FOUND']);
    }
    const malformed = await as(alice.accessToken).get('/api/v1/stories/123');
    // An id of another shape names no story: 404, as any id that names nothing (the seed-client rule).
    expect([malformed.statusCode, errorOf(malformed).error.code]).toEqual([404, 'RESOURCE_NOT_FOUND']);
    for (const payload of [{ title: '' }, { title: '   ' }, {}, { title: 'y'.repeat(201) }]) {
      const bad = await t.app.inject({ method: 'PATCH', url, headers: bearer(alice.accessToken), payload });
      expect([bad.statusCode, errorOf(bad).error.code]).toEqual([400, 'VALIDATION_ERROR']);
    }
    const renamed = await t.app.inject({
      method: 'PATCH',
      url,
      headers: bearer(alice.accessToken),
      payload: { title: '  Bedtime with Alice ' },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().data).toMatchObject({ title: 'Bedtime with Alice', id: story.id });
    expect((await getStory(t.app, alice.accessToken, story.id)).title).toBe('Bedtime with Alice');
  });

  it('hands out chapter files as signed, expiring URLs served with Range, and deletes them with the story', async () => {
    const story = await settled(
      t.app,
      alice.accessToken,
      (await postStory(t.app, alice.accessToken, { user_preferences: { length: 'short' } })).json().data.id,
    );
    const key = `stories/${alice.id}/${story.id}/1.wav`;
    await t.app.storage.put(key, Buffer.alloc(1000, 7));
    t.app.db.update(storiesChapters).set({ audioKey: key }).where(eq(storiesChapters.id, story.chapters[0]!.id)).run();
    const withAudio = await getStory(t.app, alice.accessToken, story.id);
    const audio = withAudio.chapters[0]!.audio!;
    expect(audio).toMatchObject({ object: 'file', type: 'internal' });
    expect(Date.parse(audio.expiry_time)).toBeGreaterThan(Date.now());
    const path = new URL(audio.url).pathname + new URL(audio.url).search;
    const partial = await t.app.inject({ method: 'GET', url: path, headers: { range: 'bytes=10-19' } });
    expect(partial.statusCode).toBe(206);
    expect(partial.rawPayload).toHaveLength(10);
    t.clock.advance(2 * 3600 * 1000);
    expect((await t.app.inject({ method: 'GET', url: path })).statusCode).toBe(403);
    const token = t.app.auth.startSession(alice.id).accessToken;
    expect((await as(token).delete(`/api/v1/stories/${story.id}`)).statusCode).toBe(204);
    expect(await t.app.storage.stat(key)).toBeNull();
    const gone = await as(token).get(`/api/v1/stories/${story.id}`);
    expect(gone.statusCode).toBe(404);
  });
});

describe('rate limit', () => {
  it('answers 429 RATE_LIMIT_EXCEEDED in the stories envelope', async () => {
    const limited = await makeTestApp({ rateLimitMax: 5 });
    try {
      const token = limited.app.auth.startSession(
        (await limited.app.auth.register({ name: 'Dee', email: 'dee@example.com', password: 'correct horse 42' })).id,
      ).accessToken;
      const statuses: number[] = [];
      let last = null as null | ReturnType<typeof errorOf>;
      // The owner on loopback is never throttled; a LAN peer is (the address is only a label: inject sends nothing).
      for (let i = 0; i < 7; i++) {
        const res = await limited.app.inject({ method: 'GET', url: '/api/v1/stories', headers: bearer(token), remoteAddress: '10.0.0.7' });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) last = errorOf(res);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(last).toMatchObject({ success: false, error: { code: 'RATE_LIMIT_EXCEEDED' } });
    } finally {
      await limited.close();
    }
  });
});
