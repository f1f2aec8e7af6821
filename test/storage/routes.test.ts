import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignOptions } from '../../src-server/storage/signed-url';
import { makeTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
const KEY = 'media/u1/song.mp3';
const BYTES = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));

beforeAll(async () => {
  t = await makeTestApp();
  await t.app.storage.put(KEY, BYTES);
});
afterAll(async () => {
  await t.close();
});

const sign = (opts: Partial<SignOptions> = {}) => t.app.urlSigner.sign({ method: 'GET', key: KEY, expiresInSeconds: 600, ...opts });
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });
const tempFiles = () => fs.readdirSync(path.join(t.dataDir, 'tmp'));
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('GET /files/*', () => {
  it('answers the whole file with exact length and validators', async () => {
    const res = await get(sign());
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(BYTES)).toBe(true);
    expect(res.headers).toMatchObject({
      'content-type': 'audio/mpeg',
      'content-length': '1000',
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
    });
    // Never cached past the URL's own 600 s expiry (a loaded machine may spend seconds before this line).
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(String(res.headers['cache-control']))?.[1]);
    expect(maxAge).toBeLessThanOrEqual(600);
    expect(maxAge).toBeGreaterThan(500);
    expect(res.headers.etag).toMatch(/^"[0-9a-z-]+"$/);
    expect(new Date(String(res.headers['last-modified'])).getTime()).toBeGreaterThan(0);
    expect(res.headers['content-range']).toBeUndefined();
  });

  it.each([
    ['bytes=0-0', 0, 0],
    ['bytes=0-99', 0, 99],
    ['bytes=100-199', 100, 199],
    ['bytes=990-', 990, 999],
    ['bytes=-10', 990, 999],
    ['bytes=999-999', 999, 999],
    ['bytes=-1', 999, 999],
    ['bytes=900-5000', 900, 999],
    ['bytes=-5000', 0, 999],
  ])('%s answers 206 with exactly bytes %i-%i', async (range, start, end) => {
    const res = await get(sign(), { range });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/1000`);
    expect(res.headers['content-length']).toBe(String(end - start + 1));
    expect(res.rawPayload.equals(BYTES.subarray(start, end + 1))).toBe(true);
  });

  it.each(['bytes=1000-', 'bytes=1000-1001', 'bytes=5000-', 'bytes=-0'])('%s answers 416 with the size', async (range) => {
    const res = await get(sign(), { range });
    expect(res.statusCode).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */1000');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ success: false, error: { code: 'RANGE_NOT_SATISFIABLE', message: expect.any(String) } });
  });

  it.each(['bytes=0-1,5-6', 'bytes=9-2', 'pages=1-2'])('%s is answered with the whole file', async (range) => {
    const res = await get(sign(), { range });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(BYTES)).toBe(true);
  });

  it('HEAD answers the headers without a body', async () => {
    const whole = await t.app.inject({ method: 'HEAD', url: sign() });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-length']).toBe('1000');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.rawPayload.length).toBe(0);
    const part = await t.app.inject({ method: 'HEAD', url: sign(), headers: { range: 'bytes=-10' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-length']).toBe('10');
    expect(part.headers['content-range']).toBe('bytes 990-999/1000');
    expect(part.rawPayload.length).toBe(0);
  });

  it('revalidates with If-None-Match and If-Modified-Since', async () => {
    const first = await get(sign());
    const etag = String(first.headers.etag);
    const notModified = await get(sign(), { 'if-none-match': `"other", W/${etag}` });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.rawPayload.length).toBe(0);
    expect(notModified.headers.etag).toBe(etag);
    expect((await get(sign(), { 'if-none-match': '"other"' })).statusCode).toBe(200);
    expect((await get(sign(), { 'if-modified-since': String(first.headers['last-modified']) })).statusCode).toBe(304);
    expect((await get(sign(), { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).statusCode).toBe(200);
  });

  it('If-Range honours the range only for the current version', async () => {
    const { headers } = await get(sign());
    const current = await get(sign(), { range: 'bytes=0-9', 'if-range': String(headers.etag) });
    expect(current.statusCode).toBe(206);
    const byDate = await get(sign(), { range: 'bytes=0-9', 'if-range': String(headers['last-modified']) });
    expect(byDate.statusCode).toBe(206);
    const stale = await get(sign(), { range: 'bytes=0-9', 'if-range': '"an-old-version"' });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload.equals(BYTES)).toBe(true);
  });

  it('a new version of the file gets a new ETag', async () => {
    await t.app.storage.put('media/versioned.txt', Buffer.from('one'));
    const before = (await get(sign({ key: 'media/versioned.txt' }))).headers.etag;
    await t.app.storage.put('media/versioned.txt', Buffer.from('two'));
    const after = await get(sign({ key: 'media/versioned.txt' }), { 'if-none-match': String(before) });
    expect(after.statusCode).toBe(200);
    expect(after.body).toBe('two');
  });

  it('takes the content type and download name from the signature', async () => {
    const res = await get(sign({ contentType: 'audio/x-custom', downloadName: 'Ünïcode song.mp3' }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('audio/x-custom');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="_n_code song.mp3"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20song.mp3`,
    );
  });

  it('serves an unknown extension as octet-stream and an empty file as 200', async () => {
    await t.app.storage.put('blobs/x.unknownext', Buffer.alloc(0));
    const res = await get(sign({ key: 'blobs/x.unknownext' }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-length']).toBe('0');
    expect((await get(sign({ key: 'blobs/x.unknownext' }), { range: 'bytes=0-' })).statusCode).toBe(416);
  });

  it('a missing file is 404 FILE_NOT_FOUND', async () => {
    const res = await get(sign({ key: 'media/gone.mp3' }));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ success: false, error: { code: 'FILE_NOT_FOUND' } });
  });
});

describe('signatures on the routes', () => {
  const expectForbidden = (res: { statusCode: number; json(): unknown }, code: string) => {
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ success: false, error: { code, message: expect.any(String) } });
  };

  it('an expired URL is 403 URL_EXPIRED', async () => {
    const url = sign({ expiresInSeconds: 5 });
    expect((await get(url)).statusCode).toBe(200);
    t.clock.advance(5_000);
    expectForbidden(await get(url), 'URL_EXPIRED');
  });

  it('tampered, unsigned or wrong-method URLs are 403 INVALID_SIGNATURE', async () => {
    const url = sign();
    expectForbidden(await get(url.replace('song.mp3', 'other.mp3')), 'INVALID_SIGNATURE');
    expectForbidden(await get(url.replace(/exp=(\d+)/, (_, e) => `exp=${Number(e) + 1}`)), 'INVALID_SIGNATURE');
    // Change the signature's first character to another one (a fixed 'A' left one URL in 64 valid).
    expectForbidden(await get(url.replace(/sig=(.)/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`)), 'INVALID_SIGNATURE');
    expectForbidden(await get(`/files/${KEY}`), 'INVALID_SIGNATURE');
    expectForbidden(await get(`${url}&ct=text%2Fhtml`), 'INVALID_SIGNATURE');
    expectForbidden(await t.app.inject({ method: 'PUT', url, payload: 'x' }), 'INVALID_SIGNATURE');
    expectForbidden(await get(sign({ method: 'PUT' })), 'INVALID_SIGNATURE');
  });

  it('keys that escape the store never match a signature', async () => {
    const url = new URL(sign(), 'http://x');
    for (const p of [
      '/files/%2e%2e%2fsecrets%2furl-signing.key',
      '/files/media/..%2f..%2fsecrets',
      '/files/media%5c..%5c..%5csecrets',
      '/files/%2fetc%2fpasswd',
    ]) {
      expectForbidden(await get(`${p}${url.search}`), 'INVALID_SIGNATURE');
    }
  });
});

describe('PUT /files/*', () => {
  const signPut = (key: string, opts: Partial<SignOptions> = {}) =>
    t.app.urlSigner.sign({ method: 'PUT', key, expiresInSeconds: 600, ...opts });

  it('stores the raw body of any content type, past the JSON body limit, and answers 201', async () => {
    const body = crypto.randomBytes(3 * 1024 * 1024);
    const res = await t.app.inject({
      method: 'PUT',
      url: signPut('up/u1/big.json', { maxBytes: 4 * 1024 * 1024 }),
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ success: true, data: { key: 'up/u1/big.json', size: body.length, sha256: sha(body) } });
    expect(fs.readFileSync(t.app.storage.absolutePath('up/u1/big.json')).equals(body)).toBe(true);
    const back = await get(sign({ key: 'up/u1/big.json' }), { range: 'bytes=-4' });
    expect(back.rawPayload.equals(body.subarray(-4))).toBe(true);
  });

  it('accepts a body without Content-Type and streamed bodies', async () => {
    const plain = await t.app.inject({ method: 'PUT', url: signPut('up/plain.bin'), payload: Buffer.from('abc') });
    expect(plain.statusCode).toBe(201);
    const streamed = await t.app.inject({
      method: 'PUT',
      url: signPut('up/streamed.bin'),
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: Readable.from([Buffer.from('stre'), Buffer.from('amed')]),
    });
    expect(streamed.statusCode).toBe(201);
    expect(fs.readFileSync(t.app.storage.absolutePath('up/streamed.bin'), 'utf8')).toBe('streamed');
  });

  it('requires the signed Content-Type when the URL names one', async () => {
    const url = signPut('up/cover.png', { contentType: 'image/png' });
    const wrong = await t.app.inject({ method: 'PUT', url, headers: { 'content-type': 'text/html' }, payload: '<script>' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('INVALID_SIGNATURE');
    const right = await t.app.inject({
      method: 'PUT',
      url,
      headers: { 'content-type': 'Image/PNG; foo=bar' },
      payload: Buffer.from('png'),
    });
    expect(right.statusCode).toBe(201);
  });

  it.each([
    ['a declared Content-Length', (n: number) => ({ payload: Buffer.alloc(n, 1) })],
    ['a streamed body', (n: number) => ({ payload: Readable.from([Buffer.alloc(n - 1, 1), Buffer.alloc(1, 1)]) })],
  ])('over the signed size with %s: 413, nothing stored, old file kept', async (_label, body) => {
    await t.app.storage.put('up/limited.bin', Buffer.from('previous'));
    const res = await t.app.inject({ method: 'PUT', url: signPut('up/limited.bin', { maxBytes: 1000 }), ...body(1001) });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      success: false,
      error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String), details: { max_bytes: 1000 } },
    });
    expect(fs.readFileSync(t.app.storage.absolutePath('up/limited.bin'), 'utf8')).toBe('previous');
    expect(tempFiles()).toEqual([]);
  });

  it('an expired upload URL is refused before anything is written', async () => {
    const url = signPut('up/late.bin', { expiresInSeconds: 1 });
    t.clock.advance(1_000);
    const res = await t.app.inject({ method: 'PUT', url, payload: 'late' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('URL_EXPIRED');
    expect(await t.app.storage.exists('up/late.bin')).toBe(false);
  });
});

describe('over real HTTP', () => {
  let base: string;
  beforeAll(async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address() as net.AddressInfo;
    base = `http://127.0.0.1:${address.port}`;
  });

  it('streams ranges to a real client', async () => {
    const res = await fetch(base + sign(), { headers: { range: 'bytes=10-19' } });
    expect(res.status).toBe(206);
    expect(Buffer.from(await res.arrayBuffer()).equals(BYTES.subarray(10, 20))).toBe(true);
  });

  it('an upload whose connection drops midway leaves no file and no temp file', async () => {
    const url = t.app.urlSigner.sign({ method: 'PUT', key: 'up/aborted.bin', expiresInSeconds: 600 });
    const socket = net.connect(Number(new URL(base).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`PUT ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
    socket.write(Buffer.alloc(2 * 1024 * 1024, 1));
    await until(() => tempFiles().length === 1);
    socket.destroy();
    await until(() => tempFiles().length === 0);
    expect(await t.app.storage.exists('up/aborted.bin')).toBe(false);
  });

  it('an oversized upload gets its 413 even while the client is still sending', async () => {
    const url = t.app.urlSigner.sign({ method: 'PUT', key: 'up/huge.bin', expiresInSeconds: 600, maxBytes: 64 * 1024 });
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(base + url, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      // Writing may fail once the server closes the connection; the response is what matters.
      req.on('error', () => {});
      const chunk = Buffer.alloc(64 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < 200 && req.write(chunk)) sent++;
        if (sent < 200) req.once('drain', pump);
        else req.end();
      };
      pump();
      setTimeout(() => reject(new Error('no response')), 10_000);
    });
    expect(status).toBe(413);
    await until(() => tempFiles().length === 0);
    expect(await t.app.storage.exists('up/huge.bin')).toBe(false);
  });
});

describe('OpenAPI', () => {
  it('documents the file routes under the files tag', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const route = Object.entries(doc.paths as Record<string, Record<string, { tags?: string[] }>>).find(([p]) => p.startsWith('/files/'));
    expect(route).toBeDefined();
    const [, ops] = route!;
    expect(ops.get?.tags).toEqual(['files']);
    expect(ops.put?.tags).toEqual(['files']);
  });
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
