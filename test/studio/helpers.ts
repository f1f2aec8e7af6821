import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { bearer, makeTestApp, signUp, type TestApp } from '../helpers/app';
import { appFixture } from '../helpers/fixtures';
import { requests } from '../helpers/inject';
import { requireFfmpeg } from '../../src-server/media/ffmpeg';
import { makeAudioSamples, type AudioSamples } from '../stage/helpers';

export { form, storedFiles, tempFiles } from '../stage/helpers';

export interface StudioUser {
  id: string;
  email: string;
  password: string;
  headers: Record<string, string>;
}

/** Signs up, then signs in through the studio's own login, as its web client does. */
export async function studioUser(app: FastifyInstance, name?: string): Promise<StudioUser> {
  const u = await signUp(app, { name });
  const user = { id: u.id, email: u.email, password: u.password, headers: {} };
  await signIn(app, user);
  return user;
}

/** Signs in again (after the test clock moved past the access token's hour). */
export async function signIn(app: FastifyInstance, user: StudioUser): Promise<void> {
  const login = await app.inject({ method: 'POST', url: '/api/login', payload: { email: user.email, password: user.password } });
  if (login.statusCode !== 200) throw new Error(`studio login failed: ${login.body}`);
  user.headers = bearer(login.json().data.access_token);
}

/** The studio tests' cast on `app`: Alice and Bob signed in through the studio login, and Alice's studio "Demo". */
export async function studioCast(app: FastifyInstance): Promise<[StudioUser, StudioUser, number]> {
  const alice = await studioUser(app, 'Alice');
  const bob = await studioUser(app, 'Bob');
  const res = await requests(app).as(alice).post('/api/work/studio', { studioName: 'Demo' });
  if (res.statusCode !== 201) throw new Error(`studio creation failed: ${res.body}`);
  return [alice, bob, res.json().data.studioId];
}

/**
 * A studio route test file's set-up: for each test a fresh app (`setup` may install a composer)
 * with the `studioCast`, handed to `each` as `[t, alice, bob, studioId]` and closed after.
 * Answers `requests` on the current app.
 */
export function studioFixture(
  each: (c: [TestApp, StudioUser, StudioUser, number]) => void,
  setup?: (app: FastifyInstance) => void | Promise<void>,
): ReturnType<typeof requests> {
  return appFixture(studioUser, [], async ([t]) => each([t, ...(await studioCast(t.app))]), {
    app: () => makeTestApp({}, { setup }),
  });
}

export interface StudioSamples extends AudioSamples {
  webm: Buffer;
  ogg: Buffer;
  flac: Buffer;
  /** A video file with sound: a WebM, but not audio. */
  video: Buffer;
}

const run = promisify(execFile);

/** Real files from the real ffmpeg: the stage family's four formats plus what browsers record. */
export async function makeStudioSamples(): Promise<StudioSamples> {
  const base = await makeAudioSamples();
  const make = async (name: string, args: string[]) => {
    const file = path.join(base.dir, name);
    await run((await requireFfmpeg()).ffmpeg, ['-loglevel', 'error', '-y', ...args, file]);
    return fs.readFileSync(file);
  };
  const webm = await make('rec.webm', ['-f', 'lavfi', '-i', 'sine=f=330:d=1', '-c:a', 'libopus']);
  const ogg = await make('rec.ogg', ['-f', 'lavfi', '-i', 'sine=f=330:d=1', '-c:a', 'libopus']);
  const flac = await make('rec.flac', ['-f', 'lavfi', '-i', 'sine=f=330:d=1']);
  const video = await make('clip.webm', ['-f', 'lavfi', '-i', 'testsrc=d=1:s=64x64', '-f', 'lavfi', '-i', 'sine=d=1', '-shortest']);
  return { ...base, webm, ogg, flac, video };
}

/** The path and query of an absolute signed URL, for inject. */
export const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

/** PUTs bytes to a signed upload URL, as a browser would to a presigned S3 URL. */
export async function putTo(app: FastifyInstance, url: string, body: Buffer): Promise<void> {
  const res = await app.inject({ method: 'PUT', url: pathOf(url), payload: body, headers: { 'content-type': 'audio/mpeg' } });
  expect(res.statusCode, res.body).toBe(201);
}

export const errorOf = (code: string, message: unknown = expect.any(String)) => ({ success: false, error: { code, message } });
