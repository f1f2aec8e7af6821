import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isAiError } from '../protocol';
import { readModelFolder, readVaeFolder, type Precision, type SdBase } from './model-folder';
import { externalDataProblems, OnnxFileError, readOnnxFile } from './onnx-file';
import { upscalerFile } from './upscale';
import { readDepthModel } from './depth';
import { unreachableReason } from '../../http/unreachable';
import { readLora } from './lora';
import { readSafetensors } from './safetensors';
import { readControlNetFolder } from './controlnet';

// The diffusion models and upscalers installed in a data folder: models/diffusion/<id>/ (an HF
// ONNX export, see model-folder.ts) and models/upscalers/<id>/model.onnx. Installs land in a
// hidden staging folder and appear with one rename, so a listing never shows half a model;
// downloads resume from their .part files with HTTP Range and are checked against sha256.

export type ModelType = 'checkpoint' | 'upscaler' | 'vae' | 'lora' | 'controlnet' | 'depth';
export const MODEL_TYPES: readonly ModelType[] = ['checkpoint', 'upscaler', 'vae', 'lora', 'controlnet', 'depth'];
/**
 * The account plans, lowest first, as the server orders them (auth/plans.ts passes them in, so the
 * engine layer knows no plan names). A model asks for any plan but the top one, which is above
 * anything a model needs; it defaults to the lowest, SDXL to the one above (its UNet and memory
 * need the paid plans' machines).
 */
export type PlanOrder = readonly [string, string, ...string[]];

/** Whether `plan` is `min` or above in `order`; a name the order does not know ranks lowest. */
export const planReaches = (order: PlanOrder, plan: string, min: string): boolean =>
  Math.max(0, order.indexOf(plan)) >= Math.max(0, order.indexOf(min));

export interface CatalogEntry {
  /** The folder name; unique per type. */
  id: string;
  type: ModelType;
  display_name: string;
  description: string | null;
  /** Checkpoints only. */
  base: SdBase | null;
  precision: Precision | null;
  /** A 9-channel inpainting UNet. */
  inpainting: boolean;
  /** Checkpoints: the native image size. */
  sample_size: number | null;
  /** Upscalers: the network's own factor, when the folder or the graph says. */
  scale: number | null;
  /** The lowest plan that may use it. */
  min_tier: string;
  /** Complete and readable: every file the model names is there and parses. */
  is_available: boolean;
  /** Why it is not available. */
  problem: string | null;
  /** The licence the model is published under, as its folder (atelier-model.json) or file says; null: unknown. */
  license: string | null;
  /** LoRAs: the .safetensors file. ControlNets: the .onnx file. */
  file: string | null;
  path: string;
  size_bytes: number;
}

export type CatalogErrorCode =
  'not_found' | 'exists' | 'invalid_request' | 'invalid_model' | 'download_failed' | 'checksum_mismatch' | 'not_enough_space';

/** Room left free beside a download, so a finished install never leaves the disk at zero. */
export const DISK_MARGIN_BYTES = 256 * 1024 * 1024;

/** Bytes the current user may still write on the disk holding `dir` (its nearest existing parent). */
export function freeBytes(dir: string): number {
  let at = path.resolve(dir);
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  const s = fs.statfsSync(at);
  return s.bavail * s.bsize;
}

/**
 * Refuses a download before its first byte when the files' known sizes, less what is already on
 * disk, do not fit with DISK_MARGIN_BYTES to spare.
 */
export function checkRoom(dir: string, files: { size?: number }[], onDisk: number[] = []): void {
  const need = files.reduce((sum, f, i) => sum + Math.max(0, (f.size ?? 0) - (onDisk[i] ?? 0)), 0);
  const free = freeBytes(dir);
  if (need + DISK_MARGIN_BYTES > free)
    throw new CatalogError(
      'not_enough_space',
      `this download needs ${formatBytes(need)} plus ${formatBytes(DISK_MARGIN_BYTES)} to spare, and the disk holding ${dir} has ${formatBytes(free)} free`,
    );
}

function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[i]}`;
}

export class CatalogError extends Error {
  constructor(
    readonly code: CatalogErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CatalogError';
  }
}

/** Optional `atelier-model.json` in a model folder: how to present it and who may use it. */
interface ModelMeta {
  display_name?: string;
  description?: string;
  min_tier?: string;
  scale?: number;
  license?: string;
  /** LoRAs and ControlNets: the base they are for when their files do not say. */
  base?: SdBase;
}

export const META_FILE = 'atelier-model.json';
const FOLDERS: Record<ModelType, string> = {
  checkpoint: 'diffusion',
  upscaler: 'upscalers',
  vae: 'vae',
  lora: 'loras',
  controlnet: 'controlnet',
  depth: 'depth',
};
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function checkId(id: string): void {
  if (!ID.test(id) || id.includes('..'))
    throw new CatalogError('invalid_request', `model id must be letters, digits, ".", "_" or "-" (up to 100), got ${JSON.stringify(id)}`);
}

/** A folder's total size, and a stamp (every file's path, size and mtime) that changes when any file does. */
export function scanFolder(dir: string): { size: number; stamp: string } {
  let size = 0;
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        const st = fs.statSync(p);
        size += st.size;
        parts.push(`${p}:${st.size}:${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return { size, stamp: parts.sort().join('|') };
}

/** describeModel reads every component's protobuf header (tens of ms for a real UNet): listings reuse it until a file changes. */
const described = new Map<string, { stamp: string; value: ReturnType<typeof describeModel> }>();

function entryFor(dir: string, id: string, type: ModelType, plans: PlanOrder): CatalogEntry {
  const { size, stamp } = scanFolder(dir);
  const key = `${type}:${dir}:${plans.join()}`;
  let cached = described.get(key);
  if (!cached || cached.stamp !== stamp) {
    cached = { stamp, value: describeModel(dir, type, plans) };
    described.set(key, cached);
  }
  return { id, path: dir, size_bytes: size, ...cached.value };
}

function readMeta(dir: string): ModelMeta {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(path.join(dir, META_FILE), 'utf8'));
    return typeof value === 'object' && value !== null ? (value as ModelMeta) : {};
  } catch {
    return {};
  }
}

const title = (id: string) => id.replace(/[-_]+/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());

/** What a model folder holds, or why it cannot be used. Throws nothing. */
export function describeModel(dir: string, type: ModelType, plans: PlanOrder): Omit<CatalogEntry, 'id' | 'path' | 'size_bytes'> {
  const meta = readMeta(dir);
  const askable = plans.slice(0, -1);
  const [lowest, paid] = plans;
  const plan = (fallback: string): string => (meta.min_tier && askable.includes(meta.min_tier) ? meta.min_tier : fallback);
  // What every type starts from; each fills in what its files say, or why they cannot be used.
  const usable: Omit<CatalogEntry, 'id' | 'path' | 'size_bytes'> = {
    display_name: meta.display_name ?? title(path.basename(dir)),
    description: meta.description ?? null,
    type,
    base: null,
    precision: null,
    inpainting: false,
    sample_size: null,
    scale: null,
    min_tier: plan(lowest),
    is_available: true,
    problem: null,
    license: meta.license ?? null,
    file: null,
  };
  const unusable = (problem: string) => ({ ...usable, is_available: false, problem });
  if (type === 'checkpoint') {
    try {
      const m = readModelFolder(dir);
      const unetIn = m.unet.inputs.find((v) => v.name === 'sample')?.dims[1];
      const inpainting = unetIn === 9 || m.unet.config?.in_channels === 9;
      return {
        ...usable,
        base: m.base,
        precision: m.precision,
        inpainting,
        sample_size: m.sampleSize,
        min_tier: plan(m.base === 'sdxl' ? paid : lowest),
      };
    } catch (err) {
      return unusable((err as Error).message);
    }
  }
  if (type === 'vae') {
    try {
      return { ...usable, precision: readVaeFolder(dir).vaeDecoder.precision };
    } catch (err) {
      return unusable((err as Error).message);
    }
  }
  if (type === 'lora') {
    try {
      const info = describeLora(dir);
      return { ...usable, base: meta.base ?? info.base, license: usable.license ?? info.license, file: info.file };
    } catch (err) {
      return unusable((err as Error).message);
    }
  }
  if (type === 'depth') {
    try {
      // A Depth Anything export (depth.ts): the depth ControlNet preprocessor.
      return { ...usable, file: readDepthModel(dir).file };
    } catch (err) {
      return unusable((err as Error).message);
    }
  }
  if (type === 'controlnet') {
    try {
      const info = readControlNetFolder(dir);
      return { ...usable, base: meta.base ?? info.base, precision: info.precision, file: info.file };
    } catch (err) {
      return unusable((err as Error).message);
    }
  }
  try {
    const file = upscalerFile(dir);
    const info = readOnnxFile(file);
    const problems = externalDataProblems(info);
    const input = info.inputs[0];
    if (!input || input.dims.length !== 4 || (typeof input.dims[1] === 'number' && input.dims[1] !== 3))
      problems.push(
        `${path.basename(file)} does not take an NCHW RGB image (its input is ${input ? `[${input.dims.join(', ')}]` : 'missing'})`,
      );
    if (!info.outputs.length) problems.push(`${path.basename(file)} has no output`);
    const out = info.outputs[0];
    const fromGraph = typeof input?.dims[3] === 'number' && typeof out?.dims[3] === 'number' ? out.dims[3] / input.dims[3] : null;
    const fromName = /x([248])(?![0-9])/i.exec(path.basename(dir))?.[1];
    const scale = meta.scale ?? fromGraph ?? (fromName ? Number(fromName) : null);
    const precision: Precision = (info.weightTypes.float16 ?? 0) > (info.weightTypes.float32 ?? 0) ? 'fp16' : 'fp32';
    return problems.length ? { ...unusable(problems.join('; ')), precision, scale } : { ...usable, precision, scale };
  } catch (err) {
    return unusable(err instanceof OnnxFileError || isAiError(err) ? err.message : `cannot be read (${(err as Error).message})`);
  }
}

/** A LoRA folder's .safetensors file, the base its layers or metadata say, and its licence. */
function describeLora(dir: string): { file: string; base: SdBase | null; license: string | null } {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors'));
  if (files.length !== 1)
    throw new Error(files.length ? `holds ${files.length} .safetensors files; a LoRA folder holds one` : 'holds no .safetensors file');
  const file = path.join(dir, files[0]!);
  const layers = readLora({ name: path.basename(dir), file, weight: 1 });
  const { metadata } = readSafetensors(file);
  const version = `${metadata.ss_base_model_version ?? ''} ${metadata['modelspec.architecture'] ?? ''}`.toLowerCase();
  // The text encoder's width tells SD 1.x (768) from SD 2.x (1024); a second encoder is SDXL's.
  const te = layers.find((l) => l.target === 'text_encoder' && /q_proj|fc1/.test(l.key));
  const width = te ? te.down.shape[1] : null;
  const base: SdBase | null =
    layers.some((l) => l.target === 'text_encoder_2') || version.includes('xl')
      ? 'sdxl'
      : width === 1024 || /sd_v2|sd-2|v2-/.test(version)
        ? 'sd2'
        : width === 768 || /sd_v1|sd-1|v1-/.test(version)
          ? 'sd1'
          : null;
  return { file, base, license: metadata['modelspec.license'] ?? null };
}

export interface DownloadFile {
  url: string;
  /** Where it goes inside the model folder, e.g. "unet/model.onnx". */
  path: string;
  sha256?: string;
  size?: number;
}

export interface DownloadProgress {
  file: string;
  fileIndex: number;
  files: number;
  /** Bytes on disk over all files, resumed bytes included. */
  receivedBytes: number;
  /** The sum of the files' sizes, once every size is known. */
  totalBytes: number | null;
  /** The current file's bytes on disk and its size when known. */
  fileReceivedBytes: number;
  fileTotalBytes: number | null;
}

export interface InstallFromUrlOptions {
  id: string;
  type: ModelType;
  files: DownloadFile[];
  /** Written as atelier-model.json. */
  meta?: ModelMeta;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
}

/** The models/ folder of one data folder. */
export class ModelCatalog {
  readonly root: string;

  constructor(
    dataDir: string,
    /** The account plans, lowest first, that `min_tier` names. */
    readonly plans: PlanOrder,
  ) {
    this.root = path.join(dataDir, 'models');
  }

  /** Whether an account on `plan` may use a model whose lowest plan is `minPlan`. */
  allows(plan: string, minPlan: string): boolean {
    return planReaches(this.plans, plan, minPlan);
  }

  folder(type: ModelType, id: string): string {
    checkId(id);
    return path.join(this.root, FOLDERS[type], id);
  }

  /** Every installed model, checkpoints then upscalers, each sorted by id. */
  list(filter: { type?: ModelType; base?: SdBase } = {}): CatalogEntry[] {
    const entries: CatalogEntry[] = [];
    for (const type of MODEL_TYPES) {
      if (filter.type && filter.type !== type) continue;
      const dir = path.join(this.root, FOLDERS[type]);
      if (!fs.existsSync(dir)) continue;
      for (const d of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        // Hidden folders are installs and removals in progress.
        if (!d.isDirectory() || d.name.startsWith('.') || !ID.test(d.name)) continue;
        const p = path.join(dir, d.name);
        const entry = entryFor(p, d.name, type, this.plans);
        if (!filter.base || entry.base === filter.base) entries.push(entry);
      }
    }
    return entries;
  }

  get(type: ModelType, id: string): CatalogEntry {
    const p = this.folder(type, id);
    if (!fs.existsSync(p)) throw new CatalogError('not_found', `no ${type} "${id}" is installed`);
    return entryFor(p, id, type, this.plans);
  }

  private staging(type: ModelType, label: string): string {
    const dir = path.join(this.root, FOLDERS[type], `.${label}-${randomBytes(6).toString('hex')}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Checks a staged folder and renames it into place; removes it when the model is unusable. */
  private publish(staged: string, type: ModelType, id: string, meta?: ModelMeta): CatalogEntry {
    const target = this.folder(type, id);
    try {
      if (meta) fs.writeFileSync(path.join(staged, META_FILE), JSON.stringify(meta, null, 2));
      const described = describeModel(staged, type, this.plans);
      if (!described.is_available) throw new CatalogError('invalid_model', `"${id}" is not a usable ${type}: ${described.problem}`);
      if (fs.existsSync(target)) throw new CatalogError('exists', `a ${type} "${id}" is already installed`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.renameSync(staged, target);
    } catch (err) {
      fs.rmSync(staged, { recursive: true, force: true });
      throw err;
    }
    return this.get(type, id);
  }

  /** Copies a model folder (or, for an upscaler, a .onnx file) in; checked before it appears. */
  async installFromFolder(source: string, options: { id: string; type: ModelType; meta?: ModelMeta }): Promise<CatalogEntry> {
    const { id, type } = options;
    const target = this.folder(type, id);
    if (!fs.existsSync(source)) throw new CatalogError('not_found', `${source} does not exist`);
    if (fs.existsSync(target)) throw new CatalogError('exists', `a ${type} "${id}" is already installed`);
    const staged = this.staging(type, `install-${id}`);
    try {
      if (fs.statSync(source).isDirectory()) await fs.promises.cp(source, staged, { recursive: true, errorOnExist: false });
      else await fs.promises.copyFile(source, path.join(staged, source.endsWith('.safetensors') ? 'model.safetensors' : 'model.onnx'));
    } catch (err) {
      fs.rmSync(staged, { recursive: true, force: true });
      throw new CatalogError('invalid_request', `could not copy ${source}: ${(err as Error).message}`);
    }
    return this.publish(staged, type, id, options.meta);
  }

  /**
   * Downloads each file into a staging folder kept between attempts (models/.downloads/), going
   * on from what an interrupted attempt left, checks sizes and sha256, then installs the folder.
   */
  async installFromUrl(options: InstallFromUrlOptions): Promise<CatalogEntry> {
    const { id, type } = options;
    const target = this.folder(type, id);
    if (fs.existsSync(target)) throw new CatalogError('exists', `a ${type} "${id}" is already installed`);
    const staged = await this.downloadAll(this.downloadLabel(type, id), options);
    const entry = this.publish(staged, type, id, options.meta);
    this.tidyDownloads();
    return entry;
  }

  /**
   * The same download into any folder of the data folder's models/ (a MusicGen export, a chat
   * model, voices): what arrives is checked against sizes and sha256 and appears with one rename;
   * its contents are for the engine that reads that folder to judge.
   */
  async installFilesTo(
    folder: string,
    id: string,
    options: Omit<InstallFromUrlOptions, 'id' | 'type' | 'meta'> & { meta?: object },
  ): Promise<{ path: string; size_bytes: number }> {
    checkId(id);
    if (!/^[a-z][a-z0-9-]*$/.test(folder))
      throw new CatalogError('invalid_request', `models folder ${JSON.stringify(folder)} is not allowed`);
    const target = path.join(this.root, folder, id);
    if (fs.existsSync(target)) throw new CatalogError('exists', `"${id}" is already installed in models/${folder}`);
    const staged = await this.downloadAll(`${folder}-${id}`, options);
    if (options.meta) fs.writeFileSync(path.join(staged, META_FILE), JSON.stringify(options.meta, null, 2));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(staged, target);
    this.tidyDownloads();
    return { path: target, size_bytes: scanFolder(target).size };
  }

  /** The name of a model's download folder under models/.downloads/. */
  downloadLabel(type: ModelType, id: string): string {
    checkId(id);
    return `${FOLDERS[type]}-${id}`;
  }

  /** Where a cancelled download of `label` keeps its partial files. */
  downloadFolder(label: string): string {
    return path.join(this.root, '.downloads', label);
  }

  private tidyDownloads(): void {
    try {
      // Only when empty: other downloads may be under way beside this one.
      fs.rmdirSync(path.join(this.root, '.downloads'));
    } catch {
      // not empty, or already gone
    }
  }

  private async downloadAll(label: string, options: Omit<InstallFromUrlOptions, 'id' | 'type' | 'meta'>): Promise<string> {
    const { files } = options;
    if (!files.length) throw new CatalogError('invalid_request', 'a download needs at least one file');
    for (const f of files) {
      const norm = path.posix.normalize(f.path);
      if (path.isAbsolute(f.path) || norm.startsWith('..') || norm !== f.path || f.path.includes('\\'))
        throw new CatalogError('invalid_request', `file path ${JSON.stringify(f.path)} must be relative and inside the model folder`);
      if (!/^https?:\/\//.test(f.url)) throw new CatalogError('invalid_request', `${f.url} is not an http(s) URL`);
      if (f.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(f.sha256))
        throw new CatalogError('invalid_request', `sha256 of ${f.path} must be 64 hex digits`);
    }
    const staged = this.downloadFolder(label);
    const sizes = files.map((f) => f.size ?? null);
    const onDisk = files.map((f) => {
      const done = path.join(staged, f.path);
      if (fs.existsSync(done)) return fs.statSync(done).size;
      return fs.existsSync(`${done}.part`) ? fs.statSync(`${done}.part`).size : 0;
    });
    // Before the first byte: a download that cannot fit is refused, not left half-written.
    checkRoom(this.root, files, onDisk);
    fs.mkdirSync(staged, { recursive: true });
    const report = (i: number) => {
      const total = sizes.every((s) => s !== null) ? (sizes as number[]).reduce((a, b) => a + b, 0) : null;
      options.onProgress?.({
        file: files[i]!.path,
        fileIndex: i,
        files: files.length,
        receivedBytes: onDisk.reduce((a, b) => a + b, 0),
        totalBytes: total,
        fileReceivedBytes: onDisk[i]!,
        fileTotalBytes: sizes[i] ?? null,
      });
    };
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const done = path.join(staged, f.path);
      if (fs.existsSync(done)) continue;
      fs.mkdirSync(path.dirname(done), { recursive: true });
      await this.download(f, `${done}.part`, options.signal, (bytes, size) => {
        onDisk[i] = bytes;
        if (size !== null) sizes[i] = size;
        report(i);
      });
      fs.renameSync(`${done}.part`, done);
    }
    return staged;
  }

  private async download(
    file: DownloadFile,
    part: string,
    signal: AbortSignal | undefined,
    progress: (bytes: number, size: number | null) => void,
  ): Promise<void> {
    const hash = createHash('sha256');
    let have = fs.existsSync(part) ? fs.statSync(part).size : 0;
    if (file.size !== undefined && have > file.size) {
      fs.rmSync(part);
      have = 0;
    }
    // The bytes already here count towards the hash; the server sends only the rest.
    if (have) for await (const chunk of fs.createReadStream(part)) hash.update(chunk as Buffer);
    let res: Response;
    try {
      res = await fetch(file.url, { headers: have ? { range: `bytes=${have}-` } : {}, signal });
    } catch (err) {
      if (signal?.aborted) throw new CatalogError('download_failed', `download of ${file.path} was cancelled`);
      throw new CatalogError('download_failed', `could not download ${file.path}: ${unreachableReason(file.url, err)}`);
    }
    if (res.status === 416 && have && (file.size === undefined || have === file.size)) {
      // Already whole: the server has nothing past what we hold.
      await res.body?.cancel();
    } else {
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel();
        throw new CatalogError('download_failed', `${file.url} answered ${res.status} ${res.statusText}`);
      }
      if (res.status === 200 && have) {
        // The server ignored the Range: start over.
        hash.destroy();
        return this.restart(file, part, res, signal, progress);
      }
      const length = Number(res.headers.get('content-length') ?? NaN);
      const size = Number.isFinite(length) ? have + length : (file.size ?? null);
      await this.stream(res, part, have, size, hash, file, signal, progress);
    }
    this.verify(file, part, hash.digest('hex'));
  }

  private async restart(
    file: DownloadFile,
    part: string,
    res: Response,
    signal: AbortSignal | undefined,
    progress: (bytes: number, size: number | null) => void,
  ): Promise<void> {
    fs.rmSync(part, { force: true });
    const hash = createHash('sha256');
    const length = Number(res.headers.get('content-length') ?? NaN);
    await this.stream(res, part, 0, Number.isFinite(length) ? length : (file.size ?? null), hash, file, signal, progress);
    this.verify(file, part, hash.digest('hex'));
  }

  private async stream(
    res: Response,
    part: string,
    have: number,
    size: number | null,
    hash: ReturnType<typeof createHash>,
    file: DownloadFile,
    signal: AbortSignal | undefined,
    progress: (bytes: number, size: number | null) => void,
  ): Promise<void> {
    if (file.size !== undefined && size !== null && size !== file.size) {
      await res.body?.cancel();
      throw new CatalogError('download_failed', `${file.url} is ${size} bytes but ${file.size} were expected`);
    }
    const out = fs.createWriteStream(part, { flags: 'a' });
    let bytes = have;
    progress(bytes, size);
    try {
      if (!res.body) throw new Error('no body');
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        bytes += chunk.byteLength;
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        progress(bytes, size);
      }
    } catch (err) {
      // What arrived stays in the .part file for the next attempt.
      throw new CatalogError(
        'download_failed',
        `download of ${file.path} stopped at ${bytes}${size !== null ? ` of ${size}` : ''} bytes (${signal?.aborted ? 'cancelled' : (err as Error).message}); installing again resumes it`,
      );
    } finally {
      await new Promise<void>((resolve) => out.end(() => resolve()));
    }
    if (size !== null && bytes !== size)
      throw new CatalogError(
        'download_failed',
        `download of ${file.path} is incomplete: ${bytes} of ${size} bytes; installing again resumes it`,
      );
  }

  private verify(file: DownloadFile, part: string, digest: string): void {
    if (file.sha256 && digest !== file.sha256.toLowerCase()) {
      fs.rmSync(part, { force: true });
      throw new CatalogError('checksum_mismatch', `${file.path} does not match its sha256 (got ${digest}); the download was discarded`);
    }
  }

  /** Uninstalls: renamed out of the listing first, then deleted. */
  async remove(type: ModelType, id: string): Promise<void> {
    const target = this.folder(type, id);
    if (!fs.existsSync(target)) throw new CatalogError('not_found', `no ${type} "${id}" is installed`);
    const trash = path.join(path.dirname(target), `.remove-${id}-${randomBytes(6).toString('hex')}`);
    fs.renameSync(target, trash);
    await fs.promises.rm(trash, { recursive: true, force: true });
  }
}
