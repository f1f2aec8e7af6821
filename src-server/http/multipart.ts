import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Route options of a multipart upload: its body schema documents the form in OpenAPI, but the
 * handler reads and checks the parts one by one as they stream in, so nothing validates the body.
 */
export const multipartForm = { validatorCompiler: () => () => true };

export interface MultipartReading {
  /** Largest file part the route takes, bytes; the handler's own store stops a larger one. */
  maxFileBytes: number;
  /** The answer when the request is not multipart at all. */
  notMultipart: () => Error;
  /** A handler per file part the route reads (the first part of each name); other file parts are skipped. */
  files: Record<string, (file: Readable) => Promise<void>>;
}

/** Skips a part nobody asked for, so the parts after it can be read. */
async function drain(stream: Readable): Promise<void> {
  stream.resume();
  await finished(stream);
}

/**
 * Reads a multipart body as it streams in: the first value of each text field, and each named
 * file part handed to its handler in arrival order. A refused upload is answered before the
 * client finished sending it: the connection then closes, which spares the client the rest of
 * the body and keeps its leftover bytes from being read as a next request.
 */
export async function readMultipart(
  request: FastifyRequest,
  reply: FastifyReply,
  reading: MultipartReading,
): Promise<Record<string, string>> {
  if (!request.isMultipart()) throw reading.notMultipart();
  const fields: Record<string, string> = {};
  const seen = new Set<string>();
  try {
    for await (const part of request.parts({ limits: { fileSize: reading.maxFileBytes + 1 } })) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') fields[part.fieldname] ??= part.value;
        continue;
      }
      const handler = reading.files[part.fieldname];
      if (handler && !seen.has(part.fieldname)) {
        seen.add(part.fieldname);
        await handler(part.file);
      } else {
        await drain(part.file);
      }
    }
  } catch (err) {
    if (!request.raw.complete) reply.header('connection', 'close');
    throw err;
  }
  return fields;
}
