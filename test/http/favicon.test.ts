import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestApp } from '../helpers/app';

describe('/favicon.ico', () => {
  it("answers the app's icon, not a 404, on every page's request", async () => {
    const t = await makeTestApp();
    try {
      const res = await t.app.inject({ method: 'GET', url: '/favicon.ico' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/x-icon');
      expect(res.rawPayload.equals(fs.readFileSync(path.join(__dirname, '../../resources/icon.ico')))).toBe(true);
    } finally {
      await t.close();
    }
  });
});
