import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { ModelCatalogFile, ModelEntry } from '../../src-server/system/catalog/catalog';
import { filesOf, serveFiles, type FileServer } from './file-server';

/**
 * A Hugging Face-style model repository server on 127.0.0.1: `/<owner>/<name>/resolve/<revision>/<path>`
 * answers the file from a local folder, honouring `Range`. Tests use it as ATELIER_CATALOG_URL.
 * `drop` and `stall` are keyed by the path inside the repository.
 */
export type HfRepoServer = FileServer;

/** A repository: its files, the branch name it answers to, and that branch's commit (answered by the Hub API routes too). */
export interface HfRepo {
  folder: string;
  revision: string;
  commit?: string;
}

/** Answers a request in full; null tells `serveFiles` there is no file to send. */
function answer(res: http.ServerResponse, status: number, body: string, json = false): null {
  res.writeHead(status, json ? { 'content-type': 'application/json' } : {}).end(body);
  return null;
}

export function serveHfRepos(repos: Record<string, HfRepo>): Promise<HfRepoServer> {
  return serveFiles((pathname, res) => {
    // The Hub API the pinning script reads: a branch's commit, and the file tree with sizes and LFS ids.
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)$/.exec(pathname);
    if (api) {
      const repo = repos[api[1]!];
      if (!repo) return answer(res, 404, '{}');
      if (api[2] === 'revision') return answer(res, 200, JSON.stringify({ sha: repo.commit ?? null }), true);
      const tree = filesOf(repo.folder).map((p) => {
        const bytes = fs.readFileSync(path.join(repo.folder, p));
        const lfs = p.endsWith('.onnx') ? { lfs: { oid: createHash('sha256').update(bytes).digest('hex'), size: bytes.length } } : {};
        return { type: 'file', path: p, size: p.endsWith('.onnx') ? 135 : bytes.length, ...lfs };
      });
      return answer(res, 200, JSON.stringify(tree), true);
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(pathname);
    const repo = m ? repos[m[1]!] : undefined;
    if (!m || !repo || (repo.revision !== m[2] && repo.commit !== m[2])) return answer(res, 404, 'Repository not found');
    const rel = m[3]!;
    if (rel.split('/').includes('..')) return answer(res, 404, 'Entry not found');
    return { file: path.join(repo.folder, rel), key: rel };
  });
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
