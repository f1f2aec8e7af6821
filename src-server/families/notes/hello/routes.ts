import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import type { NotesServices } from '../family';

export async function helloRoutes(app: FamilyApp, { hello }: Pick<NotesServices, 'hello'>): Promise<void> {
  app.get(
    '/api/notes/hello/:name',
    { schema: { tags: ['notes'], params: Type.Object({ name: Type.String() }), response: { 200: Type.Object({ success: Type.Literal(true), data: Type.String() }) } } },
    async (request) => ({ success: true as const, data: hello.greet(request.params.name) }),
  );
}
