import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Type } from 'typebox';
import { Nullable } from '../../http/schemas';
import { freeBytes } from '../../ai/diffusion/catalog';
import type { FamilyApp } from '../../http/family';
import { DataEnvelope } from '../../http/envelopes';
import { pruneFinishedJobs } from '../../jobs/prune';
import { listFfmpegs, setFfmpegOverride } from '../../media/ffmpeg';
import { diagnostics } from '../diagnostics';
import { errors } from '../errors';
import { errorResponses } from '../http';
import { readSetting, writeSetting } from '../../db/settings';
import Database from 'better-sqlite3';
import { exportLibrary, importPending, LibraryError, stageImport } from '../../library';
import { moveDataFolder } from './move';
import { dataFolderSizes } from './sizes';

const tags = ['system'];
const DAY = 86_400_000;

const Retention = Type.Object({
  days: Type.Integer({ description: 'Finished jobs older than this are deleted (0: kept forever)' }),
  from_settings: Type.Boolean({ description: 'False: ATELIER_JOB_RETENTION_DAYS (or its default, 30) decides' }),
});

const FfmpegBuild = Type.Object({
  path: Type.String(),
  version: Type.String(),
  source: Type.String({ description: 'settings, env (ATELIER_FFMPEG_PATH), bundled (installer), npm, or system (PATH)' }),
  missing: Type.Array(Type.String(), { description: 'Filters and encoders Atelier uses that it lacks' }),
});

/** /system/settings/{retention,ffmpeg}, /system/storage and /system/diagnostics: the tidy data folder (loopback only). */
export async function dataRoutes(app: FamilyApp, version: string): Promise<void> {
  const retention = () => {
    const chosen = readSetting(app.db, 'retention').days;
    return { days: chosen ?? app.config.jobRetentionDays, from_settings: chosen !== null };
  };

  app.get(
    '/system/settings/retention',
    { schema: { tags, summary: 'How long finished jobs are kept (loopback only)', response: { 200: DataEnvelope(Retention) } } },
    async () => ({ success: true as const, data: retention() }),
  );

  app.put(
    '/system/settings/retention',
    {
      schema: {
        tags,
        summary: 'Set how long finished jobs are kept; older ones are pruned at once (loopback only)',
        description:
          'Credits and usage history live in their own table, so pruning never changes usage figures. `days: null` goes back to ATELIER_JOB_RETENTION_DAYS.',
        body: Type.Object({ days: Nullable(Type.Integer({ minimum: 0, maximum: 36_500 })) }, { additionalProperties: false }),
        response: { 200: DataEnvelope(Type.Object({ ...Retention.properties, pruned: Type.Integer() })) },
      },
    },
    async (request) => {
      writeSetting(app.db, 'retention', { days: request.body.days }, app.clock.now());
      const now = retention();
      const pruned = now.days > 0 ? pruneFinishedJobs(app.db.$client, app.clock.now() - now.days * DAY).deleted : 0;
      return { success: true as const, data: { ...now, pruned } };
    },
  );

  app.get(
    '/system/storage',
    {
      schema: {
        tags,
        summary: "The data folder's size by area and the free disk beside it (loopback only)",
        response: {
          200: DataEnvelope(
            Type.Object({
              data_dir: Type.String(),
              total_bytes: Type.Integer(),
              free_bytes: Type.Integer(),
              areas: Type.Array(Type.Object({ area: Type.String(), label: Type.String(), bytes: Type.Integer() })),
            }),
          ),
        },
      },
    },
    async () => {
      const sizes = dataFolderSizes(app.config.dataDir);
      return { success: true as const, data: { data_dir: app.config.dataDir, free_bytes: freeBytes(app.config.dataDir), ...sizes } };
    },
  );

  const ffmpegView = async () => {
    const found = await listFfmpegs();
    const view = (f: (typeof found)[number]) => ({ path: f.ffmpeg, version: f.version, source: f.source, missing: f.missing });
    return { override: readSetting(app.db, 'ffmpeg').path, active: found[0] ? view(found[0]) : null, found: found.map(view) };
  };
  const FfmpegSetting = Type.Object({
    override: Nullable(Type.String({ description: 'The ffmpeg chosen here, tried before every other' })),
    active: Nullable(FfmpegBuild),
    found: Type.Array(FfmpegBuild, { description: 'Every runnable ffmpeg, in the order they are tried' }),
  });

  app.get(
    '/system/settings/ffmpeg',
    {
      schema: {
        tags,
        summary: 'Which ffmpeg runs, its version, and the override (loopback only)',
        response: { 200: DataEnvelope(FfmpegSetting) },
      },
    },
    async () => ({ success: true as const, data: await ffmpegView() }),
  );

  app.put(
    '/system/settings/ffmpeg',
    {
      schema: {
        tags,
        summary: 'Choose the ffmpeg to use, checked by running it; null goes back to the usual order (loopback only)',
        body: Type.Object({ path: Nullable(Type.String({ minLength: 1, maxLength: 4096 })) }, { additionalProperties: false }),
        response: {
          200: DataEnvelope(FfmpegSetting),
          ...errorResponses(['VALIDATION_ERROR: not an absolute path', 'FFMPEG_INVALID: it does not run as ffmpeg'], { auth: false }),
        },
      },
    },
    async (request) => {
      const chosen = request.body.path?.trim() || null;
      if (chosen !== null) {
        if (!path.isAbsolute(chosen)) throw errors.error('VALIDATION_ERROR', `path must be absolute, got ${JSON.stringify(chosen)}`);
        if (!fs.existsSync(chosen) || !fs.statSync(chosen).isFile())
          throw errors.error('FFMPEG_INVALID', `${chosen} is not a file on this computer`);
        // One run of `-version` decides; the full inspection follows only for a real ffmpeg.
        const version = await new Promise<string | null>((resolve) =>
          execFile(chosen, ['-hide_banner', '-version'], { timeout: 10_000 }, (err, stdout) =>
            resolve(err ? null : (/ffmpeg version (\S+)/.exec(String(stdout))?.[1] ?? null)),
          ),
        );
        if (!version)
          throw errors.error(
            'FFMPEG_INVALID',
            `${chosen} did not run as ffmpeg (\`${path.basename(chosen)} -version\` gave no ffmpeg version)`,
          );
      }
      writeSetting(app.db, 'ffmpeg', { path: chosen }, app.clock.now());
      setFfmpegOverride(chosen);
      return { success: true as const, data: await ffmpegView() };
    },
  );

  app.post(
    '/system/data-folder/move',
    {
      schema: {
        tags,
        summary: 'Copy the data folder to another place and use it from the next start (loopback only)',
        description:
          'The target must be an empty or new folder outside the current one, on a disk with room for it. Everything is copied (the database with SQLite backup), checked, and only then does the next start use it; the old folder stays until you delete it.',
        body: Type.Object({ path: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false }),
        response: {
          200: DataEnvelope(
            Type.Object({ from: Type.String(), to: Type.String(), copied_bytes: Type.Integer(), restart_required: Type.Literal(true) }),
          ),
          ...errorResponses(
            [
              'VALIDATION_ERROR: not absolute, or inside the data folder',
              'TARGET_NOT_EMPTY',
              'DATA_DIR_FIXED: ATELIER_DATA_DIR sets the folder',
              'NOT_ENOUGH_SPACE',
              'MOVE_FAILED: the copy failed and was removed',
            ],
            { auth: false },
          ),
        },
      },
    },
    async (request) => {
      const moved = await moveDataFolder({
        from: app.config.dataDir,
        to: request.body.path,
        locationFile: app.config.dataLocationFile,
        sqlite: app.db.$client,
      });
      return { success: true as const, data: { ...moved, restart_required: true as const } };
    },
  );

  app.get(
    '/system/library/export',
    {
      schema: {
        tags,
        summary: 'The whole library as one .tar.gz, streamed: the database and every file; models, logs and keys stay out (loopback only)',
        produces: ['application/gzip'],
      },
    },
    async (_request, reply) => {
      const stream = await exportLibrary(app.config.dataDir, app.db.$client, version);
      const day = new Date(app.clock.now()).toISOString().slice(0, 10);
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="atelier-library-${day}.tar.gz"`)
        .send(stream);
    },
  );

  // The archive is streamed to disk as it arrives: no parser, no JSON body limit.
  await app.register(async (scope: FamilyApp) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scope.post(
      '/system/library/import',
      {
        schema: {
          tags,
          summary: 'Import a library archive (from GET /system/library/export); it replaces this library at the next start (loopback only)',
          description:
            'The body is the .tar.gz itself. It is extracted and checked beside the current library; only a sound archive is kept, and the next start switches to it, keeping the replaced library in `.before-import-<time>/` in the data folder.',
          response: {
            200: DataEnvelope(Type.Object({ files: Type.Integer(), restart_required: Type.Literal(true) })),
            ...errorResponses(['INVALID_LIBRARY: not an Atelier library archive, or a damaged one; nothing was changed'], { auth: false }),
          },
        },
      },
      async (request) => {
        try {
          const staged = await stageImport(app.config.dataDir, request.raw, (file) => new Database(file, { readonly: true }));
          return { success: true as const, data: { files: staged.files, restart_required: true as const } };
        } catch (err) {
          if (err instanceof LibraryError) throw errors.error('INVALID_LIBRARY', err.message);
          throw err;
        }
      },
    );
  });

  app.get(
    '/system/library/import',
    {
      schema: {
        tags,
        summary: 'Whether an imported library waits for the next start (loopback only)',
        response: { 200: DataEnvelope(Type.Object({ pending: Type.Boolean() })) },
      },
    },
    async () => ({ success: true as const, data: { pending: importPending(app.config.dataDir) } }),
  );

  app.get(
    '/system/diagnostics',
    {
      schema: {
        tags,
        summary:
          'A bug-report summary: versions, execution providers, ffmpeg, disk and the last log lines, without personal data (loopback only)',
        response: { 200: DataEnvelope(Type.Object({ text: Type.String() })) },
      },
    },
    async () => ({
      success: true as const,
      data: { text: await diagnostics({ version, dataDir: app.config.dataDir, providers: app.ai.providers }) },
    }),
  );
}
