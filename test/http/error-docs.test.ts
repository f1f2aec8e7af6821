import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { errorScope } from '../../src-server/http/family';
import { INFRA_FAILURES } from '../../src-server/http/errors';
import { FfmpegMissingError } from '../../src-server/media/ffmpeg';
import { FileTooLargeError } from '../../src-server/storage/file-store';
import { canvasDialect } from '../../src-server/families/canvas/dialect';
import { stageDialect } from '../../src-server/families/stage/dialect';
import { studioDialect } from '../../src-server/families/studio/dialect';
import { errors as canvasErrors } from '../../src-server/families/canvas/errors';
import { errors as stageErrors } from '../../src-server/families/stage/errors';
import { errors as studioErrors } from '../../src-server/families/studio/errors';
import { errors as systemErrors } from '../../src-server/system/errors';
import { promoDialect } from '../../src-server/families/promo/dialect';
import { promoErrors } from '../../src-server/families/promo/errors';
import { systemDialect } from '../../src-server/http/system-dialect';
import type { Dialect } from '../../src-server/http/dialect';
import { requests } from '../helpers/inject';
import { bearer, makeTestApp, signUp, type TestApp } from '../helpers/app';

const sqliteError = (code: string) => Object.assign(new Error(`${code}: database is locked`), { name: 'SqliteError', code });
const errno = (code: string) => Object.assign(new Error(`${code}: no space left on device, write`), { code });

/** Routes in three families that fail from below: the database, the disk, ffmpeg, the file store's limit. */
const BELOW: Record<string, () => Error> = {
  busy: () => sqliteError('SQLITE_BUSY'),
  unique: () => sqliteError('SQLITE_CONSTRAINT_UNIQUE'),
  full: () => errno('ENOSPC'),
  ffmpeg: () => new FfmpegMissingError(),
  large: () => new FileTooLargeError(100 * 1024 * 1024),
};
const FAMILIES: [string, Dialect][] = [
  ['/api/v1/below', canvasDialect],
  ['/api/work/below', studioDialect],
  ['/api/concert/below', stageDialect],
];

async function failingRoutes(app: FastifyInstance) {
  for (const [prefix, dialect] of FAMILIES) {
    await app.register(
      errorScope(dialect, async (f) => {
        f.get(`${prefix}/:what`, async (request) => {
          throw BELOW[(request.params as { what: string }).what]!();
        });
      }),
    );
  }
}

let t: TestApp;
let doc: { paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, { description?: string }> }>> };
beforeAll(async () => {
  t = await makeTestApp({}, { setup: failingRoutes });
  doc = (await t.app.inject({ url: '/openapi.json' })).json();
});
afterAll(async () => {
  await t.close();
});

/** Every code a family can answer with: its table, its shared failures, its sign-in failures and the ones from below. */
function knownCodes(dialect: Dialect, table: Record<string, { status: number }>): Set<string> {
  const known = new Set(Object.entries(table).map(([code, row]) => `${row.status} ${code}`));
  for (const { code, status } of [...Object.values(dialect.core), ...Object.values(INFRA_FAILURES)]) known.add(`${status} ${code}`);
  for (const reason of ['missing_header', 'bad_format', 'empty_token', 'invalid'] as const) {
    const e = dialect.authError({ reason });
    known.add(`${e.statusCode} ${e.code}`);
  }
  const expired = dialect.authError({ reason: 'expired', expiredAt: '' });
  known.add(`${expired.statusCode} ${expired.code}`);
  return known;
}

const FAMILY_TABLES: Record<string, [Dialect, Record<string, { status: number }>]> = {
  canvas: [canvasDialect, canvasErrors.table],
  studio: [studioDialect, studioErrors.table],
  stage: [stageDialect, stageErrors.table],
  system: [systemDialect, systemErrors.table],
  promo: [promoDialect, promoErrors.table],
};

describe('OpenAPI error responses come from the families’ tables', () => {
  it('lists, under each error status, only codes the family answers with that status', () => {
    let checked = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      // Promo's health check answers 503 with its health body, its video files 404 with FastAPI's `{detail}`: no error codes.
      if (path === '/health' || path === '/user/video/{filename}') continue;
      for (const [method, op] of Object.entries(operations)) {
        const family = op.tags?.find((tag) => tag in FAMILY_TABLES);
        if (!family) continue;
        const known = knownCodes(...FAMILY_TABLES[family]!);
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          const codes = [...(response.description ?? '').matchAll(/(?:^|; )`([A-Z0-9_]+)`/g)].map((m) => m[1]!);
          expect(codes.length, `${method} ${path} ${status}: ${response.description}`).toBeGreaterThan(0);
          for (const code of codes) expect(known.has(`${status} ${code}`), `${method} ${path} ${status} lists ${code}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it("lists each family's own sign-in failures on a signed-in route, and its 429", () => {
    const studio = doc.paths['/api/work/studio']!.get!.responses;
    expect(studio['401']!.description).toBe('`UNAUTHORIZED`; `INVALID_TOKEN`; `TOKEN_EXPIRED`');
    expect(studio['429']!.description).toBe('`RATE_LIMITED`');
    const stage = doc.paths['/api/accessory-presets/{id}']!.get!.responses;
    expect(stage['403']!.description).toContain('`NO_AUTH_HEADER`; `INVALID_AUTH_FORMAT`; `NO_TOKEN`');
    expect(stage['401']!.description).toBe('`TOKEN_EXPIRED`; `INVALID_TOKEN`');
  });

  it('documents the code a request really gets, under the status it gets', async () => {
    const caller = (s: { accessToken: string }) => ({ headers: bearer(s.accessToken) });
    const owner = caller(await signUp(t.app));
    const other = caller(await signUp(t.app));
    const as = requests(t.app);
    const studio = (await as.as(owner).post('/api/work/studio', { studioName: 'Mine' })).json().data;
    const answers = [
      ['/api/work/studio/{studioid}', 'get', await as.as(other).get(`/api/work/studio/${studio.studioId}`)],
      ['/api/work/studio/{studioid}', 'get', await as.as(owner).get('/api/work/studio/999999')],
      ['/api/work/studio', 'get', await as.anon().get('/api/work/studio')],
      ['/api/v1/images/{image_id}', 'get', await as.as(owner).get(`/api/v1/images/${crypto.randomUUID()}`)],
    ] as const;
    for (const [path, method, res] of answers) {
      const code = res.json().error.code as string;
      expect(doc.paths[path]![method]!.responses[String(res.statusCode)]!.description, `${code}`).toContain(`\`${code}\``);
    }
  });
});

describe('failures from below are answered once, in each family’s format', () => {
  it.each(FAMILIES)('%s', async (prefix, dialect) => {
    const as = requests(t.app).anon();
    const expectations: [string, number, string][] = [
      ['busy', 503, 'SERVICE_BUSY'],
      ['unique', 409, 'CONFLICT'],
      ['full', 507, 'STORAGE_FULL'],
      ['ffmpeg', 503, 'FFMPEG_UNAVAILABLE'],
      ['large', 413, dialect.core.too_large.code],
    ];
    for (const [what, status, code] of expectations) {
      const res = await as.get(`${prefix}/${what}`);
      expect(res.statusCode, what).toBe(status);
      const body = res.json();
      expect(JSON.stringify(body), what).toContain(code);
      if (dialect === stageDialect) expect(body).toMatchObject({ success: false, error: code });
      else expect(body).toMatchObject({ success: false, error: { code } });
    }
    expect((await as.get(`${prefix}/large`)).json()).toMatchObject(
      dialect === stageDialect ? { message: 'The file may be at most 100 MB' } : { error: { message: 'The file may be at most 100 MB' } },
    );
  });
});
