import { ErrorEnvelope } from '../http/envelopes';
import { errorDocs } from '../http/error-docs';
import { systemDialect } from '../http/system-dialect';
import { errors } from './errors';

/** A system route's error responses from the codes it names (its table, shared failures), plus sign-in failures (unless `auth: false`) and 429. */
export const errorResponses = errorDocs(systemDialect, errors, ErrorEnvelope);

/** Every /system route answers a LAN peer this (plugins/app/lan.ts). */
export const LAN_PEER = 'OWNER_ONLY: a LAN peer';
