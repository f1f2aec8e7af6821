import type { FamilyApp } from '../../../http/family';
import { MessageEnvelope } from '../../../http/envelopes';
import { currentUser } from '../../../plugins/app/auth';
import { errorResponses, ok, originOf, security, signedIn, tags } from '../http';
import { CreateStoryBody, ListQuery, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, RenameBody, Story, StoryList, StoryParams } from './schemas';
import type { StoryService } from './service';
import type { StoryViews } from './views';

/** Stories §6.3: POST/GET /api/v1/stories, GET/PATCH/DELETE /api/v1/stories/{story_id}. */
export async function storyRoutes(app: FamilyApp, stories: StoryService, views: StoryViews): Promise<void> {
  app.post(
    '/api/v1/stories',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary:
          'Ask for a new story; it is written by a queued job (pending -> in_progress -> completed | failed), chapters appearing as they are written',
        body: CreateStoryBody,
        response: { 202: MessageEnvelope(Story), ...errorResponses() },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const p = request.body.user_preferences ?? {};
      const story = stories.create(user.id, {
        conversationId: request.body.conversation_id ?? null,
        preferences: {
          theme: p.theme ?? null,
          characters: p.characters ?? [],
          length: p.length ?? 'medium',
          language: p.language ?? null,
          age: p.age ?? null,
          pictureStyle: p.picture_style,
        },
      });
      return reply.status(202).send(ok('Story creation started', views.story(story, originOf(request))));
    },
  );

  app.get(
    '/api/v1/stories',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: `The account's stories, filtered, sorted and paged (page_size 1-${PAGE_SIZE_MAX}, default ${PAGE_SIZE_DEFAULT}); start_cursor is the previous page's next_cursor`,
        querystring: ListQuery,
        response: { 200: StoryList, ...errorResponses() },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const q = request.query;
      const page = stories.list(user.id, {
        status: q.status ?? null,
        sort: q.sort_by ?? 'created_at',
        order: q.order ?? 'desc',
        pageSize: q.page_size ?? PAGE_SIZE_DEFAULT,
        cursor: q.start_cursor ?? null,
      });
      const origin = originOf(request);
      return {
        object: 'list' as const,
        results: page.results.map((s) => views.story(s, origin)),
        has_more: page.nextCursor !== null,
        next_cursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/api/v1/stories/:story_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'One story with its chapters',
        params: StoryParams,
        response: { 200: MessageEnvelope(Story), ...errorResponses(403, 404) },
      },
    },
    async (request) => ok('Story found', views.story(stories.get(currentUser(request).id, request.params.story_id), originOf(request))),
  );

  app.patch(
    '/api/v1/stories/:story_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Rename a story',
        params: StoryParams,
        body: RenameBody,
        response: { 200: MessageEnvelope(Story), ...errorResponses(403, 404) },
      },
    },
    async (request) =>
      ok(
        'Story updated',
        views.story(stories.rename(currentUser(request).id, request.params.story_id, request.body.title.trim()), originOf(request)),
      ),
  );

  app.delete(
    '/api/v1/stories/:story_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Delete a story, its chapters and their files (a story being written stops)',
        params: StoryParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      await stories.remove(currentUser(request).id, request.params.story_id);
      return reply.status(204).send(null);
    },
  );
}
