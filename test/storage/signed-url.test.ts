import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidKeyError } from '../../src-server/storage/file-store';
import { UrlSigner } from '../../src-server/storage/signed-url';

const T0 = Date.UTC(2030, 0, 1);

function setup() {
  const clock = {
    t: T0,
    now() {
      return this.t;
    },
  };
  const signer = new UrlSigner(crypto.randomBytes(64), clock);
  return { clock, signer };
}

/** Splits a signed path into what the route sees: key and query. */
function parse(signed: string) {
  const url = new URL(signed, 'http://localhost');
  return { path: url.pathname, key: url.pathname.replace(/^\/files\//, ''), query: Object.fromEntries(url.searchParams) };
}

describe('UrlSigner', () => {
  it('signs a path that verifies for its method and key', () => {
    const { signer } = setup();
    const signed = signer.sign({ method: 'GET', key: 'songs/u1/a.mp3', expiresInSeconds: 600 });
    const { path, key, query } = parse(signed);
    expect(path).toBe('/files/songs/u1/a.mp3');
    expect(Object.keys(query)).toEqual(['m', 'exp', 'sig']);
    expect(query.m).toBe('GET');
    expect(Number(query.exp)).toBe(T0 / 1000 + 600);
    expect(query.sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signer.verify('GET', key, query)).toEqual({ ok: true, grant: { method: 'GET', key, expiresAt: T0 + 600_000 } });
  });

  it('carries max bytes, content type and download name, all signed', () => {
    const { signer } = setup();
    const signed = signer.sign({
      method: 'PUT',
      key: 'up/1.png',
      expiresInSeconds: 60,
      maxBytes: 5_000_000,
      contentType: 'image/png',
      downloadName: 'Mon café.png',
    });
    const { key, query } = parse(signed);
    expect(query).toMatchObject({ m: 'PUT', max: '5000000', ct: 'image/png', dl: 'Mon café.png' });
    const result = signer.verify('PUT', key, query);
    expect(result).toEqual({
      ok: true,
      grant: { method: 'PUT', key, expiresAt: T0 + 60_000, maxBytes: 5_000_000, contentType: 'image/png', downloadName: 'Mon café.png' },
    });
    const changes: [string, string][] = [
      ['max', '5000001'],
      ['ct', 'text/html'],
      ['dl', 'other.png'],
      ['exp', String(T0 / 1000 + 99_999)],
    ];
    for (const [name, value] of changes) {
      expect(signer.verify('PUT', key, { ...query, [name]: value }), name).toEqual({ ok: false, reason: 'invalid' });
    }
    const { max: _max, ...withoutMax } = query;
    expect(signer.verify('PUT', key, withoutMax)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('expires by the injected clock', () => {
    const { clock, signer } = setup();
    const { key, query } = parse(signer.sign({ method: 'GET', key: 'a', expiresInSeconds: 10 }));
    clock.t = T0 + 9_999;
    expect(signer.verify('GET', key, query).ok).toBe(true);
    clock.t = T0 + 10_000;
    expect(signer.verify('GET', key, query)).toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects a wrong method, another key, a tampered or missing signature', () => {
    const { signer } = setup();
    const { key, query } = parse(signer.sign({ method: 'GET', key: 'a/b', expiresInSeconds: 10 }));
    const flipped = query.sig!.slice(0, -1) + (query.sig!.endsWith('A') ? 'B' : 'A');
    const cases: [string, string, Record<string, unknown>][] = [
      ['PUT', key, query],
      ['PUT', key, { ...query, m: 'PUT' }],
      ['GET', 'a/c', query],
      ['GET', key, { ...query, sig: flipped }],
      ['GET', key, { ...query, sig: query.sig + 'A' }],
      ['GET', key, { ...query, sig: '' }],
      ['GET', key, { ...query, sig: undefined }],
      ['GET', key, { ...query, sig: [query.sig, query.sig] }],
      ['GET', key, { ...query, exp: `0${query.exp}` }],
      ['GET', key, { ...query, exp: 'soon' }],
      ['GET', key, {}],
    ];
    for (const [method, k, q] of cases) {
      expect(signer.verify(method as 'GET' | 'PUT', k, q), JSON.stringify([method, k, q])).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('a tampered URL is invalid even after it has expired', () => {
    const { clock, signer } = setup();
    const { key, query } = parse(signer.sign({ method: 'GET', key: 'a', expiresInSeconds: 1 }));
    clock.t = T0 + 5_000;
    expect(signer.verify('GET', key, { ...query, sig: 'x'.repeat(43) })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('a URL from another installation (other secret) is invalid', () => {
    const a = setup();
    const b = setup();
    const { key, query } = parse(a.signer.sign({ method: 'GET', key: 'a', expiresInSeconds: 60 }));
    expect(b.signer.verify('GET', key, query)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses to sign bad keys and bad options', () => {
    const { signer } = setup();
    expect(() => signer.sign({ method: 'GET', key: '../etc/passwd', expiresInSeconds: 10 })).toThrow(InvalidKeyError);
    expect(() => signer.sign({ method: 'GET', key: 'a', expiresInSeconds: 0 })).toThrow(RangeError);
    expect(() => signer.sign({ method: 'GET', key: 'a', expiresInSeconds: 1.5 })).toThrow(RangeError);
    expect(() => signer.sign({ method: 'PUT', key: 'a', expiresInSeconds: 10, maxBytes: -1 })).toThrow(RangeError);
  });
});
