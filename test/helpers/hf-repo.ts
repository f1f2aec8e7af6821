import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ModelCatalogFile, ModelEntry } from '../../src-server/system/catalog/catalog';

/**
 * A Hugging Face-style model repository server on 127.0.0.1: `/<owner>/<name>/resolve/<revision>/<path>`
 * answers the file from a local folder, honouring `Range`. Tests use it as ATELIER_CATALOG_URL.
 */
export interface HfRepoServer {
  url: string;
  /** Every request's path and Range header, in order. */
  requests: { path: string; range: string | null }[];
  /** Paths (inside the repo) whose next answer sends this many bytes and then drops the connection. */
  drop: Map<string, number>;
  /** Paths whose next answer sends this many bytes and then waits until `release()`. */
  stall: Map<string, number>;
  release(): void;
  close(): Promise<void>;
}

/** A repository: its files, the branch name it answers to, and that branch's commit (answered by the Hub API routes too). */
export interface HfRepo {
  folder: string;
  revision: string;
  commit?: string;
}

export async function serveHfRepos(repos: Record<string, HfRepo>): Promise<HfRepoServer> {
  const requests: HfRepoServer['requests'] = [];
  const drop = new Map<string, number>();
  const stall = new Map<string, number>();
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    requests.push({ path: pathname, range: req.headers.range ?? null });
    // The Hub API the pinning script reads: a branch's commit, and the file tree with sizes and LFS ids.
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)$/.exec(pathname);
    if (api) {
      const repo = repos[api[1]!];
      if (!repo) return void res.writeHead(404).end('{}');
      if (api[2] === 'revision')
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sha: repo.commit ?? null }));
      const tree = filesOf(repo.folder).map((p) => {
        const bytes = fs.readFileSync(path.join(repo.folder, p));
        const lfs = p.endsWith('.onnx') ? { lfs: { oid: createHash('sha256').update(bytes).digest('hex'), size: bytes.length } } : {};
        return { type: 'file', path: p, size: p.endsWith('.onnx') ? 135 : bytes.length, ...lfs };
      });
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tree));
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(pathname);
    const repo = m ? repos[m[1]!] : undefined;
    if (!m || !repo || (repo.revision !== m[2] && repo.commit !== m[2])) return void res.writeHead(404).end('Repository not found');
    const rel = m[3]!;
    const file = path.join(repo.folder, rel);
    if (rel.split('/').includes('..') || !fs.existsSync(file) || !fs.statSync(file).isFile())
      return void res.writeHead(404).end('Entry not found');
    const body = fs.readFileSync(file);
    const from = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
    if (from >= body.length && from > 0) return void res.writeHead(416).end();
    const slice = body.subarray(from);
    res.writeHead(from ? 206 : 200, {
      'content-length': slice.length,
      ...(from ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}),
    });
    const cut = drop.get(rel);
    if (cut !== undefined) {
      drop.delete(rel);
      res.write(slice.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    const hold = stall.get(rel);
    if (hold !== undefined) {
      stall.delete(rel);
      res.write(slice.subarray(0, hold));
      held.push(res);
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    drop,
    stall,
    release: () => held.splice(0).forEach((r) => r.destroy()),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function filesOf(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesOf(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

/** A catalog entry for a local folder, pinned: every file with its size and sha256. */
export function pinnedEntry(folder: string, entry: Omit<ModelEntry, 'files' | 'approx_bytes'>): ModelEntry {
  const files = filesOf(folder).map((p) => {
    const bytes = fs.readFileSync(path.join(folder, p));
    return { path: p, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  return { ...entry, files, approx_bytes: files.reduce((a, f) => a + f.size, 0) };
}

/** Writes a catalog file (the shape of src-server/system/catalog/catalog.json) and answers its path. */
export function writeCatalog(file: string, catalog: Omit<ModelCatalogFile, 'version' | 'updated'>): string {
  fs.writeFileSync(file, JSON.stringify({ version: 1, updated: '2026-12-07', ...catalog }, null, 2));
  return file;
}
