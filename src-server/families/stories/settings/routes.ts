import { Type, type Static } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { MessageEnvelope } from '../../../http/envelopes';
import { currentUser } from '../../../plugins/app/auth';
import { storiesErrors } from '../errors';
import { errorResponses, ok, security, signedIn, tags } from '../http';
import type { StoryExporter } from '../export/service';
import { StoryParams } from '../stories/schemas';
import { PICTURE_STYLES } from '../engines/illustrator';
import type { InstalledModels } from './models';
import type { SettingsRow, StorySettingsStore } from './store';

export const RETENTION_DAYS_MAX = 3650;

const AgeBandSchema = Type.Union([Type.Literal('3-5'), Type.Literal('6-8'), Type.Literal('9-12')]);
const LanguageSchema = Type.Union([Type.Literal('ko'), Type.Literal('en')]);
const pictureStyle = (description: string) =>
  Type.Union([Type.Literal(PICTURE_STYLES[0]), Type.Literal(PICTURE_STYLES[1]), Type.Literal(PICTURE_STYLES[2])], { description });
const DEFAULTS_DOC = {
  age_band: "Default age band (vocabulary and length) when a story request gives no age; null: the child's age, else 6-8",
  language: 'Default story language when a request gives none; null: detected from the text (Hangul: ko)',
  picture_style: 'Default picture style when a request gives none',
};

const ModelInfo = Type.Object({
  kind: Type.Union([
    Type.Literal('chat'),
    Type.Literal('narration'),
    Type.Literal('speech-to-text'),
    Type.Literal('speaker'),
    Type.Literal('voice-cloning'),
  ]),
  name: Type.String(),
  licence: Type.String({ description: 'As the model folder states it (README.md front matter) or as Atelier knows it' }),
  non_commercial: Type.Boolean({ description: 'The licence forbids commercial use' }),
  voices: Type.Array(Type.String(), { description: 'Preset voices (narration models)' }),
});

const Settings = Type.Object({
  retention_days: Type.Union([Type.Integer({ minimum: 1, maximum: RETENTION_DAYS_MAX }), Type.Null()], {
    description: 'Stories, conversations and the voice match are deleted this many days after their last change; null keeps them',
  }),
  narrator_voice: Type.Union([Type.String(), Type.Null()], { description: 'A preset voice of the narration model; null: its first' }),
  voice_consent_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: "When an adult agreed to have their voice recorded; null: voice samples are refused. Never a child's voice",
  }),
  voice_match: Type.Union(
    [Type.Object({ voice: Type.String(), similarity: Type.Number(), at: Type.String({ format: 'date-time' }) }), Type.Null()],
    { description: "The preset voice closest to the parent's samples" },
  ),
  cloned_voice: Type.Union([Type.Object({ engine: Type.String(), at: Type.String({ format: 'date-time' }) }), Type.Null()], {
    description:
      "The parent's own voice, kept as Chatterbox's encoder tensors (never a recording); stories are read in it while the model is installed",
  }),
  age_band: Type.Union([AgeBandSchema, Type.Null()], { description: DEFAULTS_DOC.age_band }),
  language: Type.Union([LanguageSchema, Type.Null()], { description: DEFAULTS_DOC.language }),
  picture_style: pictureStyle(DEFAULTS_DOC.picture_style),
  models: Type.Array(ModelInfo, { description: 'What is installed for stories, with licences' }),
});

/** Documented for OpenAPI only: the body is the book's bytes, not JSON. */
const EPUB_BYTES: object = {
  description: 'The book',
  content: { 'application/epub+zip': { schema: { type: 'string', format: 'binary' } } },
};

const SettingsBody = Type.Object({
  retention_days: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: RETENTION_DAYS_MAX }), Type.Null()])),
  narrator_voice: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  voice_consent: Type.Optional(Type.Boolean({ description: 'true records the consent; false withdraws it and deletes the voice match' })),
  age_band: Type.Optional(Type.Union([AgeBandSchema, Type.Null()], { description: DEFAULTS_DOC.age_band })),
  language: Type.Optional(Type.Union([LanguageSchema, Type.Null()], { description: DEFAULTS_DOC.language })),
  picture_style: Type.Optional(pictureStyle(DEFAULTS_DOC.picture_style)),
});

/** /api/v1/stories/settings (the parent panel) and /api/v1/stories/{id}/export.epub. */
export async function settingsRoutes(
  app: FamilyApp,
  settings: StorySettingsStore,
  models: InstalledModels,
  exporter: StoryExporter,
): Promise<void> {
  const view = (row: SettingsRow): Static<typeof Settings> => ({
    retention_days: row.retentionDays,
    narrator_voice: row.narratorVoice,
    voice_consent_at: row.voiceConsentAt,
    voice_match: row.voiceMatch,
    age_band: row.ageBand,
    language: row.language,
    picture_style: row.pictureStyle ?? 'picture_book',
    cloned_voice: row.voiceConsentAt ? models.clonedVoice(row.ownerId) : null,
    models: models.list(),
  });

  app.get(
    '/api/v1/stories/settings',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary:
          "Atelier: the parent's Stories settings (retention, narrator voice, voice consent, story defaults) and the installed models",
        response: { 200: MessageEnvelope(Settings), ...errorResponses() },
      },
    },
    async (request) => ok('Settings', view(settings.get(currentUser(request).id))),
  );

  app.patch(
    '/api/v1/stories/settings',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: "Atelier: change the parent's Stories settings; retention is enforced by the server every few hours and at start-up",
        body: SettingsBody,
        response: { 200: MessageEnvelope(Settings), ...errorResponses() },
      },
    },
    async (request) => {
      const body = request.body;
      if (body.narrator_voice) {
        const voices = models.narration()?.voices ?? [];
        if (!voices.includes(body.narrator_voice)) {
          throw storiesErrors.error(
            'VOICE_NOT_INSTALLED',
            voices.length
              ? `narrator_voice must be one of ${voices.join(', ')}`
              : 'No narration model is installed, so no voice can be chosen',
          );
        }
      }
      const row = settings.update(currentUser(request).id, {
        retentionDays: body.retention_days,
        narratorVoice: body.narrator_voice,
        voiceConsent: body.voice_consent,
        ageBand: body.age_band,
        language: body.language,
        pictureStyle: body.picture_style,
      });
      return ok('Settings saved', view(row));
    },
  );

  app.delete(
    '/api/v1/stories/settings/voice',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Atelier: delete the voice data (consent and the voice match; raw samples are never kept)',
        response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses() },
      },
    },
    async (request, reply) => {
      settings.forgetVoice(currentUser(request).id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/stories/:story_id/export.epub',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary:
          'Atelier: the story as an EPUB 3 picture book (XHTML chapters, pictures, and narration as MP3 with SMIL media overlays when it was narrated); header X-Atelier-Narration says "included" or why not',
        params: StoryParams,
        response: {
          200: EPUB_BYTES,
          ...errorResponses(403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const book = await exporter.epub(currentUser(request).id, request.params.story_id);
      const ascii = book.filename.replace(/[^\x20-\x7e]/g, '_').replace(/"/g, '');
      return reply
        .header('content-type', 'application/epub+zip')
        .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(book.filename)}`)
        .header('x-atelier-narration', book.narration.replace(/[^\x20-\x7e]/g, '?'))
        .send(book.bytes);
    },
  );
}
