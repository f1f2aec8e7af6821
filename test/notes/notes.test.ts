import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src-server/app';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { loadConfig } from '../../src-server/config';
describe('notes', () => { it('hello', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notes-'));
  const app = await buildApp({ config: loadConfig({}, { dataDir, logLevel: "silent" }), logger: false });
  const ok = await app.inject({ method: 'GET', url: '/api/notes/hello/ann' });
  const bad = await app.inject({ method: 'GET', url: '/api/notes/hello/nobody' });
  const missing = await app.inject({ method: 'GET', url: '/api/notes/nope' });
  console.log(ok.statusCode, ok.body, bad.statusCode, bad.body, missing.statusCode, missing.body);
  expect(ok.json()).toEqual({ success: true, data: 'hello ann' });
  expect(bad.statusCode).toBe(404);
  await app.close();
}); });
