/** The part of a pino (Fastify) logger that services write to, so they need not import Fastify. */
export interface Log {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
