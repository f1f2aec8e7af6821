import type { FastifyRequest } from 'fastify';
import type { UrlSigner } from '../../../storage/signed-url';
import { STUDIO_CONTENT_TYPES, type StudioAudioFormat } from './audio';
import { absoluteUrl, DOWNLOAD_URL_SECONDS } from './store';
import type { LinkFor } from '../tracks/schemas';

/** Signed GET URLs for one request's answer, absolute on the address the client used. */
export function linksFor(signer: UrlSigner, request: FastifyRequest): LinkFor {
  return (key, format) => {
    const contentType = format && format in STUDIO_CONTENT_TYPES ? STUDIO_CONTENT_TYPES[format as StudioAudioFormat] : undefined;
    return absoluteUrl(request, signer.sign({ method: 'GET', key, expiresInSeconds: DOWNLOAD_URL_SECONDS, contentType }));
  };
}
