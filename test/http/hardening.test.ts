import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src-server/app';
import { loadConfig } from '../../src-server/config';
import { TEMP_GRACE_MS, TEMP_SWEEP_EVERY_MS } from '../../src-server/plugins/app/storage';
import { tempDataDir } from '../helpers/app';
import { stageUser, type StageUser } from '../stage/helpers';
import { studioUser, type StudioUser } from '../studio/helpers';

/** Defects a hardening pass found, each answered in the family's format instead of a 500. */
let app: FastifyInstance;
let dataDir: string;
let stage: StageUser;
let studio: StudioUser;
const logged: { level: number; msg: string }[] = [];
let sweeps: (() => void)[] = [];

beforeAll(async () => {
  dataDir = tempDataDir();
  // The storage plugin's periodic sweep, caught so the test runs it instead of waiting a minute.
  const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
  app = await buildApp({
    config: loadConfig({}, { dataDir, logLevel: 'info', rateLimitMax: 100_000, authRateLimitMax: 100_000 }),
    logger: { level: 'info', stream: { write: (line: string) => logged.push(JSON.parse(line)) } },
  });
  await app.ready();
  sweeps = setIntervalSpy.mock.calls
    .filter(([fn, ms]) => ms === TEMP_SWEEP_EVERY_MS && String(fn).includes('sweepTemp'))
    .map(([fn]) => fn as () => void);
  setIntervalSpy.mockRestore();
  stage = await stageUser(app);
  studio = await studioUser(app);
});
afterAll(async () => {
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const PART = 'Content-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n';
const MALFORMED: [string, string, string][] = [
  ['no boundary', 'multipart/form-data', `--x\r\n${PART}abc\r\n--x--\r\n`],
  ['a body cut off before its closing boundary', 'multipart/form-data; boundary=x', `--x\r\n${PART}abcdef`],
  ["a boundary other than the header's", 'multipart/form-data; boundary=y', `--x\r\n${PART}abc\r\n--x--\r\n`],
];

describe("malformed multipart is a 400 in the family's format, not a 500", () => {
  it.each(
    MALFORMED.flatMap(([what, type, body]) => [
      ['/api/audio/upload', what, type, body, 'stage'],
      ['/api/models/upload', what, type, body, 'stage'],
      ['/api/compose', what, type, body, 'studio'],
    ]),
  )('%s with %s', async (url, _what, type, body, family) => {
    logged.length = 0;
    const headers = family === 'stage' ? stage.headers : studio.headers;
    const res = await app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': type }, payload: body });
    expect(res.statusCode, res.body).toBe(400);
    if (family === 'stage')
      expect(res.json()).toMatchObject({ success: false, error: 'INVALID_INPUT', message: expect.stringMatching(/multipart/) });
    else
      expect(res.json()).toMatchObject({
        success: false,
        error: { code: 'VALIDATION_ERROR', message: expect.stringMatching(/multipart/) },
      });
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
  });
});

describe('text that is not valid text', () => {
  it.each([
    ['0000', '\u0000'],
    ['0001', '\u0001'],
    ['001F', '\u001f'],
    ['FFFE', '\ufffe'],
  ])('POST /api/song/cover refuses U+%s in genre, title and mood with a 400', async (_code, ch) => {
    for (const body of [{ title: 'Song', genre: `pop${ch}` }, { title: `So${ch}ng` }, { title: 'Song', mood: `calm${ch}` }]) {
      const res = await app.inject({ method: 'POST', url: '/api/song/cover', headers: studio.headers, payload: body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    }
  });
});

describe('temp files of cut-off uploads', () => {
  it('are swept periodically, not only at start-up; a file being written stays', async () => {
    expect(sweeps).toHaveLength(1);
    const tmp = path.join(dataDir, 'tmp');
    const abandoned = path.join(tmp, 'filestore-00000000-0000-4000-8000-000000000001.part');
    const fresh = path.join(tmp, 'filestore-00000000-0000-4000-8000-000000000002.part');
    fs.writeFileSync(abandoned, Buffer.alloc(1024));
    fs.writeFileSync(fresh, Buffer.alloc(1024));
    const old = new Date(Date.now() - TEMP_GRACE_MS - 5_000);
    fs.utimesSync(abandoned, old, old);
    sweeps[0]!();
    await vi.waitFor(() => expect(fs.existsSync(abandoned)).toBe(false));
    expect(fs.existsSync(fresh)).toBe(true);
  });
});
