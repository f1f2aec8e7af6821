import crypto from 'node:crypto';

export type FormPart = { name: string; value: string } | { name: string; filename: string; content: Buffer; type?: string };

/** A request body that carries its own content type; `as(user).post(url, form(parts))` sends both. */
export class MultipartBody {
  constructor(
    readonly payload: Buffer,
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

/** `bytes` bytes of `fill`: a body or a file just past (or at) a route's limit. */
export const oversize = (bytes: number, fill = 1): Buffer => Buffer.alloc(bytes, fill);

/** A JSON text of `bytes` characters or more, for the server's JSON body limit. */
export const oversizeJson = (fields: Record<string, unknown>, padField: string, bytes: number): string =>
  JSON.stringify({ ...fields, [padField]: 'x'.repeat(bytes) });
