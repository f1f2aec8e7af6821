import fs from 'node:fs';
import path from 'node:path';
import type { DownloadFile, ModelType } from '../../ai/diffusion/catalog';
import { ENTRY_KINDS, type EntryKind } from '../../../src-shared/api/catalog';
import bundled from './catalog.json';

// The model catalog: a versioned file in the repository (catalog.json) naming, for each model
// Atelier can install, its Hugging Face repository, revision, files (sizes and sha256 once pinned),
// licence and what it enables. Files download from `<base>/<repo>/resolve/<revision>/<path>`;
// the base is huggingface.co unless ATELIER_CATALOG_URL points elsewhere (a mirror, or a test's
// local server), and ATELIER_CATALOG_FILE can replace the bundled file.

export const DEFAULT_CATALOG_URL = 'https://huggingface.co';

/** The models/ folder each non-diffusion kind lands in: the folder its engine reads. */
export const KIND_FOLDERS: Record<Exclude<EntryKind, 'checkpoint' | 'upscaler'>, string> = {
  musicgen: 'musicgen',
  chat: 'chat',
  voice: 'voices',
  speech: 'speech',
};

export const isModelType = (kind: EntryKind): kind is Extract<ModelType, EntryKind> => kind === 'checkpoint' || kind === 'upscaler';

export interface CatalogFile {
  /** The path in the repository. */
  path: string;
  /** Where it goes in the installed folder; default `path`. */
  to?: string;
  size: number | null;
  sha256: string | null;
}

export interface ModelEntry {
  id: string;
  name: string;
  kind: EntryKind;
  repo: string;
  revision: string;
  licence: { name: string; url: string; commercial: boolean };
  enables: string;
  /** The app area it serves, e.g. "/images". */
  area: string;
  /** Download size for display and the disk check while file sizes are not pinned. */
  approx_bytes: number;
  min_memory_gb: number;
  files: CatalogFile[];
}

export interface Pack {
  id: string;
  title: string;
  enables: string;
  entries: string[];
}

export interface ModelCatalogFile {
  version: number;
  updated: string;
  packs: Pack[];
  entries: ModelEntry[];
}

export class CatalogFileError extends Error {}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const REPO = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SAFE_PATH = (p: string) =>
  p !== '' && !p.includes('\\') && !path.posix.isAbsolute(p) && path.posix.normalize(p) === p && !p.startsWith('..');

/** Checks a catalog's shape so a broken file fails at start-up with the field named, not mid-download. */
export function validateCatalog(value: unknown, source: string): ModelCatalogFile {
  const fail = (what: string): never => {
    throw new CatalogFileError(`${source}: ${what}`);
  };
  const c = value as Partial<ModelCatalogFile> | null;
  if (!c || typeof c !== 'object') return fail('not a JSON object');
  if (!Number.isInteger(c.version) || (c.version as number) < 1) fail('"version" must be a positive integer');
  if (!Array.isArray(c.entries) || !Array.isArray(c.packs)) fail('"entries" and "packs" must be lists');
  const ids = new Set<string>();
  for (const [i, e] of (c.entries as ModelEntry[]).entries()) {
    const at = `entries[${i}]`;
    if (typeof e?.id !== 'string' || !ID.test(e.id)) fail(`${at}.id must be letters, digits, ".", "_" or "-"`);
    if (ids.has(e.id)) fail(`${at}.id "${e.id}" is listed twice`);
    ids.add(e.id);
    if (!(ENTRY_KINDS as readonly string[]).includes(e.kind)) fail(`${at}.kind must be one of ${ENTRY_KINDS.join(', ')}`);
    if (typeof e.repo !== 'string' || !REPO.test(e.repo)) fail(`${at}.repo must be owner/name`);
    if (typeof e.revision !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(e.revision)) fail(`${at}.revision must be a branch or commit`);
    if (typeof e.name !== 'string' || typeof e.enables !== 'string' || typeof e.area !== 'string') fail(`${at} needs name, enables, area`);
    if (!e.licence || typeof e.licence.name !== 'string' || typeof e.licence.commercial !== 'boolean') fail(`${at}.licence is incomplete`);
    if (!Number.isInteger(e.approx_bytes) || e.approx_bytes < 0) fail(`${at}.approx_bytes must be a whole number`);
    if (typeof e.min_memory_gb !== 'number') fail(`${at}.min_memory_gb must be a number`);
    if (!Array.isArray(e.files) || e.files.length === 0) fail(`${at}.files must list at least one file`);
    const targets = new Set<string>();
    for (const [j, f] of e.files.entries()) {
      const fat = `${at}.files[${j}]`;
      if (typeof f?.path !== 'string' || !SAFE_PATH(f.path)) fail(`${fat}.path must be a relative path inside the repository`);
      const to = f.to ?? f.path;
      if (typeof to !== 'string' || !SAFE_PATH(to)) fail(`${fat}.to must be a relative path inside the model folder`);
      if (targets.has(to)) fail(`${fat} lands on ${to} twice`);
      targets.add(to);
      if (f.size !== null && !(Number.isInteger(f.size) && f.size >= 0)) fail(`${fat}.size must be null or a whole number`);
      if (f.sha256 !== null && !(typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256)))
        fail(`${fat}.sha256 must be null or 64 lower-case hex digits`);
    }
  }
  for (const [i, p] of (c.packs as Pack[]).entries()) {
    if (typeof p?.id !== 'string' || typeof p.title !== 'string' || !Array.isArray(p.entries)) fail(`packs[${i}] needs id, title, entries`);
    for (const id of p.entries) if (!ids.has(id)) fail(`packs[${i}] names "${id}", which is not an entry`);
  }
  return c as ModelCatalogFile;
}

/** The catalog in use: ATELIER_CATALOG_FILE when set, else the one built into Atelier. */
export function loadModelCatalog(file: string | null): ModelCatalogFile {
  if (!file) return validateCatalog(bundled, 'the bundled catalog');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CatalogFileError(`ATELIER_CATALOG_FILE ${file} cannot be read: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CatalogFileError(`ATELIER_CATALOG_FILE ${file} is not JSON`);
  }
  return validateCatalog(value, file);
}

/** Whether every file has a size and a sha256, so what arrives is checked byte for byte. */
export const isPinned = (e: ModelEntry) => e.files.every((f) => f.size !== null && f.sha256 !== null);

/** Total download size: the pinned sizes when known, else the entry's estimate. */
export const entryBytes = (e: ModelEntry) =>
  e.files.every((f) => f.size !== null) ? e.files.reduce((a, f) => a + (f.size ?? 0), 0) : e.approx_bytes;

/** The downloads of an entry, in the Hugging Face layout `<base>/<repo>/resolve/<revision>/<path>`. */
export function downloadsOf(entry: ModelEntry, baseUrl: string): DownloadFile[] {
  const base = baseUrl.replace(/\/+$/, '');
  const encode = (p: string) => p.split('/').map(encodeURIComponent).join('/');
  return entry.files.map((f) => ({
    url: `${base}/${entry.repo}/resolve/${encodeURIComponent(entry.revision)}/${encode(f.path)}`,
    path: f.to ?? f.path,
    ...(f.sha256 ? { sha256: f.sha256 } : {}),
    ...(f.size !== null ? { size: f.size } : {}),
  }));
}

/** Where the entry's page is, for "where it comes from". */
export const sourceUrl = (entry: ModelEntry) => `https://huggingface.co/${entry.repo}/tree/${entry.revision}`;
