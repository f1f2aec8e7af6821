/**
 * Reads the first bytes of an upload to tell what it is, then hands out the whole of it: the
 * content decides the type and the storage key's extension before anything is written.
 */
export class StreamHead {
  private head: Buffer = Buffer.alloc(0);
  private done = false;
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(stream: AsyncIterable<Buffer>) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** Buffers until at least `bytes` arrived or the stream ended; returns everything buffered. */
  async fill(bytes: number): Promise<Buffer> {
    const chunks = [this.head];
    let length = this.head.length;
    while (length < bytes && !this.done) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else {
        chunks.push(next.value);
        length += next.value.length;
      }
    }
    this.head = Buffer.concat(chunks);
    return this.head;
  }

  /** True once the whole stream is in the head. */
  get complete(): boolean {
    return this.done;
  }

  /** The buffered head, then the rest of the stream. Stopping early destroys the stream. */
  async *all(): AsyncGenerator<Buffer> {
    try {
      yield this.head;
      while (!this.done) {
        const next = await this.iterator.next();
        if (next.done) this.done = true;
        else yield next.value;
      }
    } finally {
      await this.close();
    }
  }

  /** Stops reading: the rest of the stream is destroyed, which ends its multipart part. */
  async close(): Promise<void> {
    if (!this.done) await this.iterator.return?.();
    this.done = true;
  }
}

/** Reads a small upload (a thumbnail) into memory; null when it is longer than `maxBytes`. */
export async function readAtMost(stream: AsyncIterable<Buffer>, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    length += chunk.length;
    if (length > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export const MiB = 1024 * 1024;
