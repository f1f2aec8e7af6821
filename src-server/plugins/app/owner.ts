import type { FastifyRequest } from 'fastify';
import { isLoopback } from './lan';

/**
 * The machine's owner is whoever sits at this computer: a request over loopback. LAN peers reach
 * us on another address. lan.ts decides what loopback means; this is the one place that turns it
 * into "is the owner" for the limiter and the job queue.
 */
export const isOwnerRequest = (request: FastifyRequest): boolean => isLoopback(request.socket.remoteAddress);
