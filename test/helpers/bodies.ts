import crypto from 'node:crypto';
import { Readable } from 'node:stream';

export type FormPart = { name: string; value: string } | { name: string; filename: string; content: Buffer; type?: string };

/** A request body that carries its own content type; `as(user).post(url, form(parts))` sends both. */
export class MultipartBody {
  constructor(
    readonly payload: Buffer | Readable,
    readonly headers: Record<string, string>,
  ) {}
}

/** A multipart/form-data body, parts in the given order. */
export function form(parts: FormPart[]): MultipartBody {
  const boundary = `----atelier-${crypto.randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const file = 'filename' in part;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${file ? `; filename="${part.filename}"` : ''}\r\n` +
          (file ? `Content-Type: ${part.type ?? 'application/octet-stream'}\r\n` : '') +
          '\r\n',
      ),
      file ? part.content : Buffer.from(part.value),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return new MultipartBody(Buffer.concat(chunks), { 'content-type': `multipart/form-data; boundary=${boundary}` });
}

/** `bytes` zero bytes: a body or a file just past (or at) a route's limit. */
export const oversize = (bytes: number): Buffer => Buffer.alloc(bytes);

/**
 * A multipart body whose last part is a file of `size` bytes (`head`, then zeros), streamed in
 * 1 MB chunks: neither the test nor inject holds a 100 MB buffer, and the server sees it arrive
 * as a client would send it.
 */
export function streamedForm(
  fields: { name: string; value: string }[],
  file: { name: string; filename: string; type: string; size: number; head?: Buffer },
): MultipartBody {
  const boundary = '----atelier-oversize';
  async function* body() {
    for (const field of fields)
      yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field.name}"\r\n\r\n${field.value}\r\n`);
    yield Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
    );
    const head = file.head ?? Buffer.alloc(0);
    yield head;
    const chunk = Buffer.alloc(1024 * 1024);
    for (let left = file.size - head.length; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  return new MultipartBody(Readable.from(body()), { 'content-type': `multipart/form-data; boundary=${boundary}` });
}
