import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Arrangement } from '../arrange';
import type { RenderMessage, RenderRequest } from './protocol';

export interface Stem {
  name: string;
  /** Interleaved stereo float PCM at the requested rate. */
  pcm: Float32Array;
  peak: number;
}

export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

/** The built worker beside the bundle (compose-render-worker.js), else the source through tsx. */
export function resolveRenderWorker(from: string = import.meta.url): string {
  const dir = path.dirname(fileURLToPath(from));
  const candidates = [
    path.join(dir, 'compose-render-worker.js'),
    path.join(dir, '..', 'compose-render-worker.js'),
    path.join(dir, 'worker.ts'),
  ];
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) throw new RenderError(`The render worker script was not found; looked for ${candidates.join(', ')}`);
  return found;
}

/** Node 20 ignores loader hooks registered from a worker's execArgv, so a .ts entry boots through tsx's API (as the AI pool does). */
function startWorker(file: string, workerData: RenderRequest): Worker {
  if (!file.endsWith('.ts')) return new Worker(file, { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(pathToFileURL(file).href)}, ${JSON.stringify(api)}));`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Renders every part of the arrangement to a stem in worker threads (Tone.js on
 * node-web-audio-api), so the server's event loop keeps answering. Aborting terminates them.
 */
export function renderStems(
  arrangement: Arrangement,
  opts: { sampleRate: number; signal?: AbortSignal; onStem?: (done: number, total: number) => void },
): Promise<Stem[]> {
  if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
  const entry = resolveRenderWorker();
  const names = arrangement.parts.map((p) => p.name);
  // Two workers, each with every other part: the server's two cores both render.
  const shares = [names.filter((_, i) => i % 2 === 0), names.filter((_, i) => i % 2 === 1)].filter((s) => s.length > 0);
  const stems: Stem[] = [];
  const workers = shares.map((parts) => startWorker(entry, { arrangement, sampleRate: opts.sampleRate, parts }));
  return new Promise<Stem[]>((resolve, reject) => {
    let settled = false;
    let running = workers.length;
    const finish = (err: unknown) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (err) reject(err);
      else resolve(names.map((n) => stems.find((s) => s.name === n)!));
    };
    const onAbort = () => finish(opts.signal!.reason ?? new Error('aborted'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    for (const worker of workers) {
      let done = false;
      worker.on('message', (m: RenderMessage) => {
        if (m.type === 'stem') {
          stems.push({ name: m.name, pcm: m.pcm, peak: m.peak });
          opts.onStem?.(stems.length, names.length);
        } else if (m.type === 'done') {
          done = true;
          if (--running === 0) finish(null);
        } else finish(new RenderError(`Rendering the arrangement failed: ${m.message}`));
      });
      worker.on('error', (err) => finish(new RenderError(`The render worker crashed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (!done) finish(new RenderError(`The render worker stopped (exit code ${code}) before finishing`));
      });
    }
  });
}
