import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { makeTestApp, type TestApp } from './app';
import { requests } from './inject';

/**
 * Something a test file makes once in a folder of its own (audio samples, tiny models): made before
 * the first test, handed to `each`, and its folder removed after the last test.
 */
export function fileFixture<T extends { dir: string }>(make: () => Promise<T>, each: (value: T) => void): void {
  let made: T | null = null;
  beforeAll(async () => {
    made = await make();
    each(made);
  });
  afterAll(() => {
    if (made) fs.rmSync(made.dir, { recursive: true, force: true });
  });
}

export interface AppFixtureOptions<A extends TestApp> {
  /** The app to start (default: `makeTestApp()`). */
  app?: () => Promise<A>;
  /** `test` (default): a fresh app for each test; `file`: one app for the whole file. */
  scope?: 'test' | 'file';
}

/**
 * A route test file's app: a fresh app per test (or one per file), with `users` signed in in order
 * through a family's own login (`studioUser`, `stageUser`, `canvasUser`), handed to `each` as
 * `[t, ...users]` and closed after. Answers `requests` on the current app:
 * `const { as } = appFixture(studioUser, ['Alice', 'Bob'], (c) => ([t, alice, bob] = c));`
 */
export function appFixture<U, const Names extends readonly string[], A extends TestApp = TestApp>(
  signIn: (app: FastifyInstance, name: string) => Promise<U>,
  users: Names,
  each: (c: [A, ...{ [K in keyof Names]: U }]) => unknown,
  opts: AppFixtureOptions<A> = {},
): ReturnType<typeof requests> {
  const start = opts.app ?? (makeTestApp as () => Promise<A>);
  let t: A | null = null;
  const before = opts.scope === 'file' ? beforeAll : beforeEach;
  const after = opts.scope === 'file' ? afterAll : afterEach;
  before(async () => {
    const app = await start();
    t = app;
    const signedIn: U[] = [];
    for (const name of users) signedIn.push(await signIn(app.app, name));
    await each([app, ...(signedIn as { [K in keyof Names]: U })]);
  });
  after(async () => {
    await t?.close();
    t = null;
  });
  return requests(() => {
    if (!t) throw new Error('a request is sent inside a test, after the fixture started the app');
    return t.app;
  });
}
