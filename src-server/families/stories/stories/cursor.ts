import crypto from 'node:crypto';

/** Where a page ended, and the list it belongs to: a cursor only continues the list that made it. */
export interface CursorState {
  owner: string;
  sort: 'created_at' | 'updated_at' | 'title';
  order: 'asc' | 'desc';
  status: string | null;
  /** The sort value and id of the last story on the page: the next page starts strictly after them. */
  value: string;
  id: string;
}

/**
 * Opaque page cursors: base64url JSON and an HMAC over it. A keyset position (sort value, id),
 * not an offset, so stories added or deleted meanwhile neither repeat nor skip a story; the MAC
 * makes an edited cursor fail instead of reading somewhere else.
 */
export class CursorCodec {
  constructor(private readonly secret: Buffer) {}

  private mac(body: string): string {
    return crypto.createHmac('sha256', this.secret).update(body).digest('base64url').slice(0, 22);
  }

  encode(state: CursorState): string {
    const body = Buffer.from(JSON.stringify([state.owner, state.sort, state.order, state.status, state.value, state.id])).toString(
      'base64url',
    );
    return `${body}.${this.mac(body)}`;
  }

  /** The state, or null for anything this codec did not write. */
  decode(cursor: string): CursorState | null {
    const [body, sig, ...rest] = cursor.split('.');
    if (!body || !sig || rest.length > 0) return null;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
    try {
      const [owner, sort, order, status, value, id] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown[];
      if (typeof owner !== 'string' || typeof value !== 'string' || typeof id !== 'string') return null;
      if (sort !== 'created_at' && sort !== 'updated_at' && sort !== 'title') return null;
      if (order !== 'asc' && order !== 'desc') return null;
      if (status !== null && typeof status !== 'string') return null;
      return { owner, sort, order, status, value, id };
    } catch {
      return null;
    }
  }
}
