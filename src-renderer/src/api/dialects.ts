import { ApiError } from './errors';

/**
 * How each family's server answers (src-server/families/<name>/dialect.ts): where a success keeps
 * its value and how a failure names its code and message. The client picks a decoder per request,
 * so every feature gets plain values and one ApiError, whichever family it talks to.
 */
export type Dialect = 'studio' | 'canvas' | 'stage' | 'promo' | 'stories';

export interface Decoder {
  /** The value a 2xx answer carries. */
  value(body: unknown): unknown;
  /** The family's error in a non-2xx answer, or null when the body is not one. */
  error(status: number, body: unknown): ApiError | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown) => (typeof v === 'string' ? v : null);

/** `{success:true, data[, meta]}` / `{success:false, error:{code, message[, details]}}`. */
const envelope: Decoder = {
  value: (body) => (isObject(body) && 'data' in body ? body.data : body),
  error(status, body) {
    const e = isObject(body) ? body.error : null;
    if (!isObject(e) || text(e.code) === null || text(e.message) === null) return null;
    return new ApiError(status, e.code as string, e.message as string, e.details);
  },
};

/** `{success:true, ...fields}` / `{success:false, error:"CODE", message}`. */
const stage: Decoder = {
  value: (body) => body,
  error(status, body) {
    if (!isObject(body) || text(body.error) === null) return null;
    return new ApiError(status, body.error as string, text(body.message) ?? `The server answered ${status}`, body.details);
  },
};

/** Bare bodies / `{error_code, error_message}`. */
const promo: Decoder = {
  value: (body) => body,
  error(status, body) {
    if (!isObject(body)) return null;
    // FastAPI-style: {error_code, error_message}, or {detail} (the video download's 404).
    if (text(body.error_code) !== null)
      return new ApiError(status, body.error_code as string, text(body.error_message) ?? `The server answered ${status}`);
    if (text(body.detail) !== null) return new ApiError(status, `HTTP_${status}`, body.detail as string);
    return null;
  },
};

export const decoders: Record<Dialect, Decoder> = { studio: envelope, canvas: envelope, stories: envelope, stage, promo };
