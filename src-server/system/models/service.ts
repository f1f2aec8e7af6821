import { createHash } from 'node:crypto';
import { JOB_KINDS } from '../../../src-shared/jobs';
import { INSTALL_KINDS as WIRE_INSTALL_KINDS, MODEL_TYPES as WIRE_MODEL_TYPES } from '../../../src-shared/api/system';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CatalogError,
  checkRoom,
  describeModel,
  ModelCatalog,
  type CatalogEntry,
  type DownloadFile,
  type DownloadProgress,
  type ModelType,
} from '../../ai/diffusion/catalog';
import type { ProviderChoice } from '../../ai/providers';
import type { Job, JobContext, JobQueue } from '../../jobs/queue';
import { errors } from '../errors';
import type { EntryKind } from '../../../src-shared/api/catalog';
import { KIND_FOLDERS } from '../catalog/catalog';
import { unreachableReason } from '../../http/unreachable';

export const MODEL_TYPES = WIRE_MODEL_TYPES satisfies readonly ModelType[];
/** What an install job installs: a model type the catalog checks, or a catalog kind with its own folder. */
export type InstallKind = ModelType | EntryKind;
/** A kind the model catalog checks (describeModel) before it appears; the others land in their engine's folder. */
const isChecked = (kind: InstallKind): kind is ModelType => (MODEL_TYPES as readonly string[]).includes(kind);
export const INSTALL_KINDS = WIRE_INSTALL_KINDS satisfies readonly InstallKind[];
export const INSTALL_JOB = JOB_KINDS.modelInstall;
/** Downloads are network-bound: their own lane, so they never wait behind (or hold up) the GPU. */
export const DOWNLOAD_LANE = 'downloads';
/** A dropped connection that made progress is resumed at once, up to this many times per job. */
export const RESUME_RETRIES = 5;
const MANIFEST_MAX_BYTES = 1024 * 1024;
const MANIFEST_TIMEOUT_MS = 15_000;
const OPEN = ['queued', 'processing'] as const;

/** What a URL install job carries in SQLite: everything it needs to run again after a restart. */
export interface InstallPayload {
  id: string;
  type: InstallKind;
  /** The catalog entry it installs, when it came from the catalog. */
  catalog?: string;
  /** What the user gave (a manifest, an .onnx file or a base URL), for the listing. */
  source: string;
  files: DownloadFile[];
  meta?: { display_name?: string; description?: string };
}

export interface InstallResult {
  id: string;
  type: InstallKind;
  size_bytes: number;
}

export interface FolderInstall {
  path: string;
  id?: string;
  type?: ModelType;
}

export interface UrlInstall {
  url: string;
  id: string;
  type: ModelType;
  /** With a base URL: the files under it; without, `url` is a manifest or one .onnx file. */
  files?: { path: string; url?: string; sha256?: string; size?: number }[];
  /** Without `files`: the sha256 of what `url` answers (the .onnx file, or the manifest). */
  sha256?: string;
  display_name?: string;
}

/** A URL install the caller started that has not finished, with its bytes when it is running. */
export interface InstallView {
  job_id: string;
  id: string;
  type: InstallKind;
  catalog: string | null;
  source: string;
  status: 'queued' | 'processing';
  position: number | null;
  progress: number;
  file: string | null;
  /** Which file of how many, and that file's bytes: progress per file beside the overall one. */
  file_index: number | null;
  files: number;
  file_received_bytes: number;
  file_total_bytes: number | null;
  received_bytes: number;
  total_bytes: number | null;
}

/**
 * The progress message of an install job: `<file> (<n>/<files>): <received>/<total or ?> bytes`.
 * The byte counts also travel as numbers in the snapshot's `bytes` (src-shared/jobs.ts,
 * progressOf); the text stays for clients that still parse it (features/models/api.ts).
 */
export const progressMessage = (p: DownloadProgress) =>
  `${p.file} (${p.fileIndex + 1}/${p.files}): ${p.receivedBytes}/${p.totalBytes ?? '?'} bytes`;

const CODES: Record<CatalogError['code'], keyof typeof errors.table> = {
  not_found: 'MODEL_NOT_FOUND',
  exists: 'MODEL_EXISTS',
  invalid_request: 'VALIDATION_ERROR',
  invalid_model: 'INVALID_MODEL',
  download_failed: 'DOWNLOAD_FAILED',
  checksum_mismatch: 'CHECKSUM_MISMATCH',
  not_enough_space: 'NOT_ENOUGH_SPACE',
};

/** The catalog's failure in the system family's words; anything else is left for the 500 handler. */
export function fromCatalog(err: unknown): unknown {
  if (!(err instanceof CatalogError)) return err;
  return errors.error(CODES[err.code], err.message);
}

/** `~/x` and absolute paths only: the server's working folder means nothing to the person typing. */
function resolveLocalPath(raw: string): string {
  const trimmed = raw.trim();
  const expanded = trimmed === '~' ? os.homedir() : trimmed.startsWith('~/') ? path.join(os.homedir(), trimmed.slice(2)) : trimmed;
  if (!path.isAbsolute(expanded))
    throw errors.error('VALIDATION_ERROR', `path must be absolute (or start with ~/), got ${JSON.stringify(raw)}`);
  return path.resolve(expanded);
}

/** A folder name made into a model id: what the catalog accepts, or null when nothing is left. */
export function idFromName(name: string): string | null {
  const id = name
    .replace(/\.onnx$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100);
  return id === '' ? null : id;
}

/**
 * What a path holds: a diffusion export (model_index.json or unet/), an upscaler (an .onnx file,
 * or a folder with one at its top), or neither. Only names are looked at: a wrong folder (a home
 * directory) is refused before anything is copied.
 */
export function detectType(source: string): ModelType | null {
  const stat = fs.statSync(source);
  if (!stat.isDirectory())
    return source.toLowerCase().endsWith('.onnx') ? 'upscaler' : source.toLowerCase().endsWith('.safetensors') ? 'lora' : null;
  const names = fs.readdirSync(source);
  if (names.some((n) => n.toLowerCase().endsWith('.safetensors')) && !names.some((n) => n.toLowerCase().endsWith('.onnx'))) return 'lora';
  if (names.includes('model_index.json') || names.includes('unet')) return 'checkpoint';
  // A VAE exported on its own: the decoder (and encoder) folders without a UNet.
  if (names.includes('vae_decoder')) return 'vae';
  if (names.some((n) => n.toLowerCase().endsWith('.onnx'))) return 'upscaler';
  return null;
}

interface Manifest {
  files: { path: string; url?: string; sha256?: string; size?: number }[];
  display_name?: string;
  description?: string;
}

function parseManifest(text: string, url: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw errors.error(
      'INVALID_MANIFEST',
      `${url} is not a model manifest: it is not JSON. Give a manifest ({"files":[{"path":...}]}), an .onnx file, or a base URL with "files"`,
    );
  }
  const files = (value as { files?: unknown } | null)?.files;
  if (!Array.isArray(files) || files.length === 0)
    throw errors.error('INVALID_MANIFEST', `${url} is not a model manifest: it has no "files" list`);
  const out: Manifest['files'] = [];
  for (const [i, f] of files.entries()) {
    const entry = f as Record<string, unknown> | null;
    if (!entry || typeof entry.path !== 'string') throw errors.error('INVALID_MANIFEST', `${url}: files[${i}] has no "path"`);
    const bad = (field: string, want: string) => errors.error('INVALID_MANIFEST', `${url}: files[${i}].${field} must be ${want}`);
    if (entry.url !== undefined && typeof entry.url !== 'string') throw bad('url', 'a string');
    if (entry.sha256 !== undefined && typeof entry.sha256 !== 'string') throw bad('sha256', 'a string');
    if (entry.size !== undefined && !(typeof entry.size === 'number' && Number.isInteger(entry.size) && entry.size >= 0))
      throw bad('size', 'a whole number of bytes');
    out.push({
      path: entry.path,
      url: entry.url as string | undefined,
      sha256: entry.sha256 as string | undefined,
      size: entry.size as number | undefined,
    });
  }
  const v = value as { display_name?: unknown; description?: unknown };
  return {
    files: out,
    display_name: typeof v.display_name === 'string' ? v.display_name : undefined,
    description: typeof v.description === 'string' ? v.description : undefined,
  };
}

/** A URL a file is fetched from: absolute, or relative to `base` (a manifest, or a folder URL). */
function fileUrl(raw: string, base: string): string {
  try {
    return new URL(raw, base).toString();
  } catch {
    throw errors.error('VALIDATION_ERROR', `${JSON.stringify(raw)} is not a URL`);
  }
}

/**
 * The Models area's server side: installed models and upscalers with their problems, this
 * machine's execution providers, installs from a local folder (at once) or from URLs (a durable
 * job in the `downloads` lane, resumable, progress as `job:update`), and removal.
 */
export class ModelAdminService {
  /** Bytes of running installs, by job id; the queue's own progress is a fraction and a message. */
  private readonly live = new Map<string, DownloadProgress>();
  /** Running installs cancelled with `discard`: their partial files go once the download stops. */
  private readonly discardOnStop = new Set<string>();

  constructor(
    readonly catalog: ModelCatalog,
    private readonly queue: JobQueue,
    private readonly providers: () => ProviderChoice,
  ) {}

  /** Registers the job kind; call while the app builds. */
  register(): void {
    this.queue.register<InstallPayload, InstallResult>(INSTALL_JOB, {
      lane: DOWNLOAD_LANE,
      maxAttempts: 3,
      handler: (job, ctx) => this.run(job, ctx),
    });
  }

  list(): CatalogEntry[] {
    return this.catalog.list();
  }

  executionProviders(): ProviderChoice {
    return this.providers();
  }

  /** The caller's URL installs still queued or running, oldest first. */
  installs(ownerId: string): InstallView[] {
    return this.queue.list({ ownerId, kind: INSTALL_JOB, status: [...OPEN], order: 'oldest', limit: 100 }).map((job) => {
      const p = job.payload as InstallPayload;
      const live = this.live.get(job.id);
      const sizes = p.files.map((f) => f.size);
      return {
        job_id: job.id,
        id: p.id,
        type: p.type,
        catalog: p.catalog ?? null,
        source: p.source,
        status: job.status as InstallView['status'],
        position: job.position,
        progress: job.progress,
        file: live?.file ?? null,
        file_index: live ? live.fileIndex : null,
        files: p.files.length,
        file_received_bytes: live?.fileReceivedBytes ?? 0,
        file_total_bytes: live?.fileTotalBytes ?? null,
        received_bytes: live?.receivedBytes ?? 0,
        total_bytes: live?.totalBytes ?? (sizes.every((s) => s !== undefined) ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0) : null),
      };
    });
  }

  async installFromFolder(input: FolderInstall): Promise<CatalogEntry> {
    const source = resolveLocalPath(input.path);
    if (!fs.existsSync(source)) throw errors.error('PATH_NOT_FOUND', `${source} does not exist on this computer`);
    const detected = detectType(source);
    const type = input.type ?? detected;
    if (!type || detected === null) {
      throw errors.error(
        'NOT_A_MODEL',
        `${source} is not a model: a diffusion model is a folder exported to ONNX (model_index.json, unet/, text_encoder/, vae_decoder/...), an upscaler an .onnx file or a folder holding one`,
      );
    }
    const id = input.id ?? idFromName(path.basename(source));
    if (!id) throw errors.error('VALIDATION_ERROR', `no model id can be made from ${JSON.stringify(path.basename(source))}; give one`);
    this.checkFree(type, id);
    // Read the headers in place first: a broken source is refused before gigabytes are copied.
    const described = describeModel(source, type, this.catalog.plans);
    if (!described.is_available) throw errors.error('INVALID_MODEL', `${source} is not a usable ${type}: ${described.problem}`);
    try {
      return await this.catalog.installFromFolder(source, { id, type });
    } catch (err) {
      throw fromCatalog(err);
    }
  }

  /** Works out the files (reading a manifest if need be) and queues the download; errors come before anything is queued. */
  async requestUrlInstall(ownerId: string, input: UrlInstall): Promise<Job<InstallPayload, InstallResult>> {
    const { id, type } = input;
    this.checkFree(type, id);
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw errors.error('VALIDATION_ERROR', `url ${JSON.stringify(input.url)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw errors.error('VALIDATION_ERROR', `url must be http(s), got ${url.protocol}`);
    let files: DownloadFile[];
    let meta: InstallPayload['meta'] = input.display_name ? { display_name: input.display_name } : undefined;
    if (input.files?.length) {
      if (input.sha256) throw errors.error('VALIDATION_ERROR', 'with "files", give each file its own sha256 instead of one for the url');
      // A base URL names a folder: its files resolve under it even without the trailing slash.
      const base = url.toString().endsWith('/') ? url.toString() : `${url.toString()}/`;
      files = input.files.map((f) => ({ url: fileUrl(f.url ?? f.path, base), path: f.path, sha256: f.sha256, size: f.size }));
    } else if (url.pathname.toLowerCase().endsWith('.onnx')) {
      if (type !== 'upscaler')
        throw errors.error(
          'VALIDATION_ERROR',
          'a diffusion model or a VAE is a folder of files: give its manifest URL, or a base URL with "files"',
        );
      files = [{ url: url.toString(), path: 'model.onnx', sha256: input.sha256 }];
    } else {
      const manifest = parseManifest(await this.fetchManifest(url.toString(), input.sha256), url.toString());
      files = manifest.files.map((f) => ({ url: fileUrl(f.url ?? f.path, url.toString()), path: f.path, sha256: f.sha256, size: f.size }));
      const named = input.display_name ?? manifest.display_name;
      if (named || manifest.description)
        meta = { ...(named ? { display_name: named } : {}), ...(manifest.description ? { description: manifest.description } : {}) };
    }
    this.checkFiles(files);
    try {
      checkRoom(this.catalog.root, files);
    } catch (err) {
      throw fromCatalog(err);
    }
    // The awaits above let another request in: check again right before queueing.
    this.checkFree(type, id);
    return this.queue.enqueue<InstallPayload, InstallResult>({
      kind: INSTALL_JOB,
      ownerId,
      payload: { id, type, source: url.toString(), files, meta },
    });
  }

  /**
   * Cancels the caller's install. By default the downloaded part stays (a pause: installing the
   * same id again resumes it); with `discard` the partial files go too.
   */
  cancel(ownerId: string, jobId: string, discard = false): Job {
    const job = this.queue.get(jobId);
    if (!job || job.kind !== INSTALL_JOB) throw errors.error('INSTALL_NOT_FOUND', `no model install ${jobId}`);
    if (job.ownerId !== ownerId) throw errors.error('FORBIDDEN', 'This install was started by another account');
    if (!(OPEN as readonly string[]).includes(job.status))
      throw errors.error('INSTALL_FINISHED', `this install has already ${job.status === 'completed' ? 'completed' : job.status}`);
    const p = job.payload as InstallPayload;
    if (discard) {
      if (job.status === 'processing') this.discardOnStop.add(job.id);
      else this.discard(p);
    }
    return this.queue.cancel(jobId, discard ? 'Cancelled' : 'Paused; installing it again resumes the download') ?? job;
  }

  /** Removes what a stopped download left in models/.downloads/. */
  private discard(p: InstallPayload): void {
    fs.rmSync(this.catalog.downloadFolder(this.downloadLabel(p.type, p.id)), { recursive: true, force: true });
  }

  private downloadLabel(type: InstallKind, id: string): string {
    return isChecked(type) ? this.catalog.downloadLabel(type, id) : `${KIND_FOLDERS[type]}-${id}`;
  }

  /** Where an install of this kind and id lands. */
  target(type: InstallKind, id: string): string {
    try {
      return isChecked(type) ? this.catalog.folder(type, id) : path.join(this.catalog.root, KIND_FOLDERS[type], id);
    } catch (err) {
      throw fromCatalog(err);
    }
  }

  /** Queues a download whose files and checks were worked out by the caller (the model catalog). */
  enqueueInstall(ownerId: string, payload: InstallPayload): Job<InstallPayload, InstallResult> {
    this.checkFree(payload.type, payload.id);
    this.checkFiles(payload.files);
    return this.queue.enqueue<InstallPayload, InstallResult>({ kind: INSTALL_JOB, ownerId, payload });
  }

  /** The open install of a type and id, if any. */
  openInstall(type: InstallKind, id: string): Job | undefined {
    return this.queue.list({ kind: INSTALL_JOB, status: [...OPEN], limit: 500 }).find((j) => {
      const p = j.payload as InstallPayload;
      return p.id === id && p.type === type;
    });
  }

  async remove(type: ModelType, id: string): Promise<void> {
    const open = this.openInstall(type, id);
    if (open && open.status === 'processing') throw errors.error('INSTALL_IN_PROGRESS', `"${id}" is being installed; cancel that first`);
    try {
      await this.catalog.remove(type, id);
    } catch (err) {
      throw fromCatalog(err);
    }
  }

  /** Neither installed nor being installed (two downloads into one staging folder would mix). */
  private checkFree(type: InstallKind, id: string): void {
    const target = this.target(type, id);
    if (fs.existsSync(target))
      throw errors.error('MODEL_EXISTS', `a ${type} "${id}" is already installed; remove it first or choose another id`);
    if (this.openInstall(type, id)) throw errors.error('INSTALL_IN_PROGRESS', `a ${type} "${id}" is already being installed`);
  }

  /** The catalog's own checks, run before queueing so the request (not the job) gets the error. */
  private checkFiles(files: DownloadFile[]): void {
    const seen = new Set<string>();
    for (const f of files) {
      const norm = path.posix.normalize(f.path);
      if (path.isAbsolute(f.path) || norm.startsWith('..') || norm !== f.path || f.path.includes('\\') || f.path === '') {
        throw errors.error('VALIDATION_ERROR', `file path ${JSON.stringify(f.path)} must be relative and inside the model folder`);
      }
      if (seen.has(f.path)) throw errors.error('VALIDATION_ERROR', `file ${f.path} is listed twice`);
      seen.add(f.path);
      if (!/^https?:\/\//.test(f.url)) throw errors.error('VALIDATION_ERROR', `${f.url} is not an http(s) URL`);
      if (f.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(f.sha256))
        throw errors.error('VALIDATION_ERROR', `sha256 of ${f.path} must be 64 hex digits`);
    }
  }

  private async fetchManifest(url: string, sha256: string | undefined): Promise<string> {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(MANIFEST_TIMEOUT_MS), headers: { accept: 'application/json' } });
    } catch (err) {
      throw errors.error('DOWNLOAD_FAILED', `Could not fetch the manifest: ${unreachableReason(url, err)}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw errors.error('DOWNLOAD_FAILED', `${url} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    }
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (length > MANIFEST_MAX_BYTES) {
      await res.body?.cancel();
      throw errors.error(
        'INVALID_MANIFEST',
        `${url} is ${length} bytes: too big for a manifest. Link an .onnx upscaler directly, or give a base URL with "files"`,
      );
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > MANIFEST_MAX_BYTES) throw errors.error('INVALID_MANIFEST', `${url} is too big for a manifest`);
    if (sha256) {
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (digest !== sha256.toLowerCase()) throw errors.error('CHECKSUM_MISMATCH', `${url} does not match its sha256 (got ${digest})`);
    }
    return bytes.toString('utf8');
  }

  private async run(job: Job<InstallPayload, InstallResult>, { signal, progress }: JobContext): Promise<InstallResult> {
    const { id, type, files, meta } = job.payload;
    // A restart between the install and the job's end: the model is there, the job is done.
    if (job.attempts > 1) {
      if (isChecked(type)) {
        const done = this.catalog.list({ type }).find((e) => e.id === id && e.is_available);
        if (done) return { id, type, size_bytes: done.size_bytes };
      } else if (fs.existsSync(this.target(type, id))) return { id, type, size_bytes: 0 };
    }
    let received = 0;
    const onProgress = (p: DownloadProgress) => {
      received = p.receivedBytes;
      this.live.set(job.id, p);
      progress(p.totalBytes ? p.receivedBytes / p.totalBytes : 0, {
        stage: 'download',
        bytes: { done: p.receivedBytes, total: p.totalBytes },
        message: progressMessage(p),
      });
    };
    try {
      for (let retries = 0; ; retries++) {
        const before = received;
        try {
          if (isChecked(type)) {
            const entry = await this.catalog.installFromUrl({ id, type, files, meta, signal, onProgress });
            return { id, type, size_bytes: entry.size_bytes };
          }
          const done = await this.catalog.installFilesTo(KIND_FOLDERS[type], id, { files, meta, signal, onProgress });
          return { id, type, size_bytes: done.size_bytes };
        } catch (err) {
          // A connection that dropped after bytes arrived is resumed from the .part file; one that
          // brought nothing (404, unreachable) would fail the same way again.
          const resumable = err instanceof CatalogError && err.code === 'download_failed' && received > before && !signal.aborted;
          if (!resumable || retries >= RESUME_RETRIES) throw fromCatalog(err);
        }
      }
    } finally {
      this.live.delete(job.id);
      if (this.discardOnStop.delete(job.id)) this.discard(job.payload);
    }
  }
}
