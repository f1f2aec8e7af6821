import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** A download source on 127.0.0.1 that honours `Range` and can break its next answer for a file. */
export interface FileServer {
  url: string;
  /** Every request's path and Range header, in order. */
  requests: { path: string; range: string | null }[];
  /** Files (by key) whose next answer sends this many bytes and then drops the connection. */
  drop: Map<string, number>;
  /** Files whose next answer sends this many bytes and then waits until `release()`. */
  stall: Map<string, number>;
  release(): void;
  close(): Promise<void>;
}

/** Where a request's file is on disk, and the key `drop` and `stall` know it by. */
export interface ServedFile {
  file: string;
  key: string;
}

/**
 * Serves files with `Range` (206 with Content-Range, 416 past the end). `route` maps a request's
 * decoded path to its file, or answers the request itself (an API document, a 404 of its own) and
 * returns null. A file that is not there answers 404.
 */
export async function serveFiles(route: (pathname: string, res: http.ServerResponse) => ServedFile | null): Promise<FileServer> {
  const requests: FileServer['requests'] = [];
  const drop = new Map<string, number>();
  const stall = new Map<string, number>();
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    const range = req.headers.range ?? null;
    requests.push({ path: pathname, range });
    const served = route(pathname, res);
    if (!served) return;
    const { file, key } = served;
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end('Entry not found');
    const body = fs.readFileSync(file);
    const from = range ? Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0) : 0;
    if (range && from >= body.length) return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    const slice = body.subarray(from);
    res.writeHead(range ? 206 : 200, {
      'content-length': slice.length,
      ...(range ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}),
    });
    const cut = drop.get(key);
    if (cut !== undefined) {
      drop.delete(key);
      res.write(slice.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    const hold = stall.get(key);
    if (hold !== undefined) {
      stall.delete(key);
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

/** Serves a folder as it is: `/<path>` answers `<dir>/<path>`, keyed by that path. */
export const serveFolder = (dir: string) => serveFiles((pathname) => ({ file: path.join(dir, pathname.slice(1)), key: pathname.slice(1) }));

/** The Range headers a file was asked for, in order (`rel`: its path on the server, without the leading slash). */
export const rangesOf = (server: FileServer, rel: string) =>
  server.requests.filter((r) => r.path === `/${rel}` && r.range !== null).map((r) => r.range);

/** Every file of a folder, as sorted paths relative to it. */
export function filesOf(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesOf(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}
