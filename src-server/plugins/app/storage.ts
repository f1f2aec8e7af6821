import fp from 'fastify-plugin';
import mime from 'mime';
import { Type } from 'typebox';
import { loadOrCreateSecret } from '../../auth/keys';
import { defineErrors } from '../../http/errors';
import { DataEnvelope, ErrorEnvelope } from '../../http/envelopes';
import { errorDocs } from '../../http/error-docs';
import { coreError, errorScope } from '../../http/family';
import { systemDialect } from '../../http/system-dialect';
import { FileStore, FileTooLargeError } from '../../storage/file-store';
import { sendStoredFile } from '../../storage/range';
import { UrlSigner, type SignedGrant, type SignedMethod } from '../../storage/signed-url';

declare module 'fastify' {
  interface FastifyInstance {
    storage: FileStore;
    urlSigner: UrlSigner;
  }
}

const tags = ['files'];

/** A temp file no process has written for this long belongs to an upload that was cut off. */
export const TEMP_GRACE_MS = 60_000;
export const TEMP_SWEEP_EVERY_MS = 60_000;

const FileParams = Type.Object({ '*': Type.String({ description: 'Storage key, e.g. `songs/<user>/<id>.mp3`' }) });

const SignedQuery = Type.Object({
  m: Type.Union([Type.Literal('GET'), Type.Literal('PUT')], { description: 'Method the URL was signed for' }),
  exp: Type.String({ pattern: '^[0-9]+$', description: 'Expiry, Unix seconds' }),
  sig: Type.String({ description: 'HMAC-SHA256 over the method, key and every other parameter (base64url)' }),
  max: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'PUT: largest accepted body in bytes' })),
  ct: Type.Optional(Type.String({ description: 'GET: Content-Type served; PUT: Content-Type the upload must carry' })),
  dl: Type.Optional(Type.String({ description: 'GET: download as an attachment with this file name' })),
});

/** The signed-URL routes' own codes, in the system dialect's body. */
const errors = defineErrors({
  UPLOAD_INCOMPLETE: { status: 400, message: 'The upload ended before the whole file arrived' },
  INVALID_SIGNATURE: { status: 403, message: 'The URL signature is invalid' },
  URL_EXPIRED: { status: 403, message: 'The signed URL has expired' },
  FILE_NOT_FOUND: { status: 404, message: 'File not found' },
});

/** A signed URL is its own credential: no sign-in failures to list. */
const documented = errorDocs(systemDialect, errors, ErrorEnvelope);
const errorResponses = (codes: Parameters<typeof documented>[0]) => documented(codes, { auth: false });
const signatureFailures = ['INVALID_SIGNATURE: tampered, wrong method or Content-Type', 'URL_EXPIRED'] as const;

const FileBytes = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
});

const invalidSignature = (message?: string) => errors.error('INVALID_SIGNATURE', message);

const mediaType = (value: string | undefined) => (value ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * Atelier's file store and the routes behind its signed URLs: `GET`/`HEAD /files/<key>` stream
 * with Range, `PUT /files/<key>` is the local stand-in for a presigned S3 upload.
 */
export default fp(
  async (app) => {
    const store = await FileStore.open(app.config.dataDir, { tempGraceMs: TEMP_GRACE_MS });
    // An upload cut off by a crash of another Atelier process on this data folder (the CLI, or a
    // previous run restarted within the grace) leaves its temp file: sweep it without waiting for a restart.
    const sweeper = setInterval(() => {
      store.sweepTemp(TEMP_GRACE_MS).catch((err: unknown) => app.log.warn({ err }, 'temp file sweep failed'));
    }, TEMP_SWEEP_EVERY_MS);
    sweeper.unref();
    app.addHook('onClose', async () => clearInterval(sweeper));
    const signer = new UrlSigner(loadOrCreateSecret(app.config.dataDir, 'url-signing'), app.clock);
    app.decorate('storage', store);
    app.addHook('onClose', async () => store.closeOpenFiles());
    app.decorate('urlSigner', signer);

    const grantFor = (method: SignedMethod, key: string, query: Record<string, unknown>): SignedGrant => {
      const result = signer.verify(method, key, query);
      if (result.ok) return result.grant;
      if (result.reason === 'expired') throw errors.error('URL_EXPIRED');
      throw invalidSignature();
    };

    await app.register(
      errorScope(systemDialect, async (files) => {
        // Uploads are raw bytes of any type, streamed to disk: no parsing, no JSON body limit.
        files.removeAllContentTypeParsers();
        files.addContentTypeParser('*', (_request, _payload, done) => done(null));

        // A signed URL with its query cut or mangled is a bad signature, not a bad request.
        const config = { validationError: () => invalidSignature('The URL is missing its signature parameters') };

        files.route({
          method: ['GET', 'HEAD'],
          url: '/files/*',
          config,
          schema: {
            tags,
            summary: 'Download a stored file through a signed URL',
            description:
              'Supports `Range: bytes=a-b`, `a-`, `-n` (206 with `Content-Range`; 416 past the end; several ranges get the whole file), ' +
              '`If-None-Match`/`If-Modified-Since` (304) and `If-Range`. HEAD answers the same headers without the body.',
            params: FileParams,
            querystring: SignedQuery,
            response: {
              200: FileBytes('The whole file'),
              206: FileBytes('The requested byte range'),
              ...errorResponses([...signatureFailures, 'FILE_NOT_FOUND', 'range_not_satisfiable: with `Content-Range: bytes */<size>`']),
            },
          },
          handler: async (request, reply) => {
            const key = request.params['*'];
            const grant = grantFor('GET', key, request.query);
            const secondsLeft = Math.max(0, Math.floor((grant.expiresAt - app.clock.now()) / 1000));
            return sendStoredFile(request, reply, store, key, {
              contentType: grant.contentType ?? mime.getType(key) ?? 'application/octet-stream',
              downloadName: grant.downloadName,
              // Cached no longer than the URL itself is valid.
              cacheControl: `private, max-age=${secondsLeft}`,
            });
          },
        });

        files.put(
          '/files/*',
          {
            config,
            schema: {
              tags,
              summary: 'Upload a file to a signed PUT URL',
              description:
                'The request body is the file, any Content-Type (the signed one when the URL names it). ' +
                'It is written atomically: an aborted or oversized upload leaves nothing behind. Uploading again replaces the file.',
              params: FileParams,
              querystring: SignedQuery,
              response: {
                201: DataEnvelope(
                  Type.Object({
                    key: Type.String(),
                    size: Type.Integer({ description: 'Bytes stored' }),
                    sha256: Type.String({ description: 'Hex SHA-256 of the stored bytes' }),
                  }),
                ),
                ...errorResponses([
                  'UPLOAD_INCOMPLETE: the connection ended before the whole body arrived',
                  ...signatureFailures,
                  'too_large: the body is larger than the URL allows',
                ]),
              },
            },
          },
          async (request, reply) => {
            const key = request.params['*'];
            const grant = grantFor('PUT', key, request.query);
            if (grant.contentType !== undefined && mediaType(grant.contentType) !== mediaType(request.headers['content-type'])) {
              throw invalidSignature(`This URL accepts only Content-Type ${grant.contentType}`);
            }
            const tooLarge = (maxBytes: number) =>
              coreError(systemDialect, 'too_large', `The file is larger than the ${maxBytes} bytes this URL allows`, {
                max_bytes: maxBytes,
              });
            // The rest of an unread body is not wanted: closing the connection spares the client sending it.
            const closeIfUnread = () => {
              if (!request.raw.complete) reply.header('connection', 'close');
            };
            if (grant.maxBytes !== undefined && Number(request.headers['content-length']) > grant.maxBytes) {
              closeIfUnread();
              throw tooLarge(grant.maxBytes);
            }
            try {
              // Not destroyed on an early stop, so an error answer still reaches the client.
              const body = request.raw.iterator({ destroyOnReturn: false });
              const stored = await store.put(key, body, { maxBytes: grant.maxBytes });
              return reply.code(201).send({ success: true as const, data: stored });
            } catch (err) {
              closeIfUnread();
              if (err instanceof FileTooLargeError) throw tooLarge(err.maxBytes);
              if (request.raw.destroyed) throw errors.error('UPLOAD_INCOMPLETE');
              throw err;
            }
          },
        );
      }),
    );
  },
  { name: 'storage', dependencies: ['config', 'db'] },
);
