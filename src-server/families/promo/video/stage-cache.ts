import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Stage outputs kept by the hash of everything that made them, so a re-run renders only what
 * changed: new lyrics with the same notes keep the song, the same pictures keep their crops. The
 * oldest files go once the folder passes its budget.
 */
export class StageCache {
  constructor(
    private readonly root: string,
    private readonly maxBytes = 2 * 1024 ** 3,
  ) {}

  static key(...parts: unknown[]): string {
    return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  }

  private file(key: string, ext: string): string {
    return path.join(this.root, `${key}.${ext}`);
  }

  /** Copies the cached file to `to` and says whether there was one. */
  fetch(key: string, ext: string, to: string): boolean {
    const from = this.file(key, ext);
    try {
      fs.copyFileSync(from, to);
      const now = new Date();
      fs.utimesSync(from, now, now);
      return true;
    } catch {
      return false;
    }
  }

  /** Keeps a copy of `from` (written under a temp name first, so a reader never sees half a file). */
  store(key: string, ext: string, from: string): void {
    fs.mkdirSync(this.root, { recursive: true });
    const tmp = `${this.file(key, ext)}.${process.pid}.part`;
    fs.copyFileSync(from, tmp);
    fs.renameSync(tmp, this.file(key, ext));
    this.prune();
  }

  readJson<T>(key: string): T | null {
    try {
      return JSON.parse(fs.readFileSync(this.file(key, 'json'), 'utf8')) as T;
    } catch {
      return null;
    }
  }

  writeJson(key: string, value: unknown): void {
    fs.mkdirSync(this.root, { recursive: true });
    const tmp = `${this.file(key, 'json')}.${process.pid}.part`;
    fs.writeFileSync(tmp, JSON.stringify(value));
    fs.renameSync(tmp, this.file(key, 'json'));
  }

  private prune(): void {
    const files = fs
      .readdirSync(this.root)
      .filter((n) => !n.endsWith('.part'))
      .map((n) => {
        const stat = fs.statSync(path.join(this.root, n));
        return { n, size: stat.size, at: stat.mtimeMs };
      })
      .sort((a, b) => b.at - a.at);
    let total = 0;
    for (const f of files) {
      total += f.size;
      if (total > this.maxBytes) fs.rmSync(path.join(this.root, f.n), { force: true });
    }
  }
}
