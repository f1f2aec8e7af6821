#!/usr/bin/env node
// Pins src-server/system/catalog/catalog.json: for each entry, the branch it names becomes the
// commit it points at, and each file gets its size and sha256 from the Hub's tree listing (the
// LFS object id is the file's sha256; small non-LFS files are downloaded and hashed). Run where
// huggingface.co (or ATELIER_CATALOG_URL) is reachable, then bump "version" and commit the file.
//   node scripts/pin-catalog.mjs [--only <entry id>] [--file <catalog.json>]
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : null);
const file = arg('--file') ?? path.join(root, 'src-server', 'system', 'catalog', 'catalog.json');
const base = (process.env.ATELIER_CATALOG_URL || 'https://huggingface.co').replace(/\/+$/, '');
const only = arg('--only');

async function json(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

const catalog = JSON.parse(fs.readFileSync(file, 'utf8'));
for (const entry of catalog.entries) {
  if (only && entry.id !== only) continue;
  const info = await json(`${base}/api/models/${entry.repo}/revision/${encodeURIComponent(entry.revision)}`);
  const commit = info.sha;
  if (!/^[0-9a-f]{40}$/.test(commit ?? '')) throw new Error(`${entry.repo}@${entry.revision}: no commit sha in the answer`);
  const tree = await json(`${base}/api/models/${entry.repo}/tree/${commit}?recursive=true`);
  const byPath = new Map(tree.map((t) => [t.path, t]));
  for (const f of entry.files) {
    const t = byPath.get(f.path);
    if (!t) throw new Error(`${entry.repo}@${commit} has no ${f.path}`);
    f.size = t.lfs?.size ?? t.size;
    f.sha256 = t.lfs?.oid ?? null;
    if (!f.sha256) {
      const res = await fetch(`${base}/${entry.repo}/resolve/${commit}/${f.path}`);
      if (!res.ok) throw new Error(`${f.path} answered ${res.status}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      f.size = bytes.length;
      f.sha256 = createHash('sha256').update(bytes).digest('hex');
    }
  }
  entry.revision = commit;
  entry.approx_bytes = entry.files.reduce((a, f) => a + f.size, 0);
  console.log(
    `${entry.id}: ${entry.repo}@${commit.slice(0, 10)}, ${entry.files.length} files, ${(entry.approx_bytes / 1e9).toFixed(2)} GB`,
  );
}
catalog.updated = new Date().toISOString().slice(0, 10);
fs.writeFileSync(file, `${JSON.stringify(catalog, null, 2)}\n`);
console.log(`Pinned. Bump "version" (now ${catalog.version}) before committing.`);
