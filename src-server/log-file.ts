import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

/** Size at which atelier.log rolls over to atelier.1.log, and how many rolled files are kept. */
export const LOG_MAX_BYTES = 5 * 1024 * 1024;
export const LOG_FILES_KEPT = 5;
export const LOG_NAME = 'atelier.log';

/**
 * Log lines into `<dir>/atelier.log`, rolled by size: when a line would take it past `maxBytes`
 * the file becomes atelier.1.log (atelier.1 becomes .2, and so on; the oldest past `keep` goes),
 * so the data folder never holds more than about (keep + 1) × maxBytes of logs.
 */
export class RotatingLogFile extends Writable {
  private fd: number;
  private size: number;
  readonly file: string;

  constructor(
    readonly dir: string,
    private readonly maxBytes = LOG_MAX_BYTES,
    private readonly keep = LOG_FILES_KEPT,
  ) {
    super();
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, LOG_NAME);
    this.fd = fs.openSync(this.file, 'a');
    this.size = fs.fstatSync(this.fd).size;
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    const rolled = (n: number) => path.join(this.dir, `atelier.${n}.log`);
    fs.rmSync(rolled(this.keep), { force: true });
    for (let n = this.keep - 1; n >= 1; n--) if (fs.existsSync(rolled(n))) fs.renameSync(rolled(n), rolled(n + 1));
    fs.renameSync(this.file, rolled(1));
    this.fd = fs.openSync(this.file, 'a');
    this.size = 0;
  }

  /** Synchronous, so the last lines before a crash are on disk. */
  writeLine(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.rotate();
    fs.writeSync(this.fd, bytes);
    this.size += bytes.length;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.writeLine(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    fs.closeSync(this.fd);
    callback();
  }
}

/** A stream for pino that writes each line to the console and to the rotating file. */
export function consoleAndFile(file: RotatingLogFile): { write(line: string): void } {
  return {
    write(line: string) {
      process.stdout.write(line);
      try {
        file.writeLine(line);
      } catch {
        // A full or read-only disk must not take the server down; the console still has the line.
      }
    },
  };
}

/** The last `count` lines of the log (the current file, then the rolled one before it if need be). */
export function lastLogLines(dir: string, count: number): string[] {
  const lines: string[] = [];
  for (const name of [LOG_NAME, 'atelier.1.log']) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    lines.unshift(...text.split('\n').filter((l) => l.trim() !== ''));
    if (lines.length >= count) break;
  }
  return lines.slice(-count);
}
