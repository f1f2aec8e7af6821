import type { FastifyInstance } from 'fastify';
import { defineFamily } from '../../http/family';
import { notesDialect } from './dialect';
import { HelloService } from './hello/service';
import { helloRoutes } from './hello/routes';

const notesServices = (_app: FastifyInstance) => ({ hello: new HelloService() });
export type NotesServices = ReturnType<typeof notesServices>;

export default defineFamily({
  dialect: notesDialect,
  prefixes: ['/api/notes'],
  services: notesServices,
  async routes(app, s) {
    await helloRoutes(app, s);
  },
});
