import type { FastifyInstance } from 'fastify';
import { loadOrCreateSecret } from '../../auth/keys';
import { defineFamily } from '../../http/family';
import { storiesDialect } from './dialect';
import { storiesAccountRoutes } from './account/routes';
import { ConversationStore } from './conversation/store';
import { StoryEngineSlot } from './engines/slot';
import { StoryIllustrator } from './engines/illustrator';
import { chatModelApproves } from './engines/chat-writer';
import { CursorCodec } from './stories/cursor';
import { STORY_JOB, StoryService } from './stories/service';
import { attachAudioSocket } from './conversation/socket';
import { storyRoutes } from './stories/routes';
import { StoryViews } from './stories/views';
import { StoryNarrator } from './engines/narrator';
import { StorySettingsStore } from './settings/store';
import { InstalledModels } from './settings/models';
import { settingsRoutes } from './settings/routes';
import { StoryExporter } from './export/service';
import { SpeechTranscriber } from './speech/transcriber';
import { speechRoutes } from './speech/routes';
import { VoiceMatcher } from './conversation/voice-match';
import { users } from '../../db/schema';
import { eq } from 'drizzle-orm';

/** How often expired stories and voice data are looked for (and once when the server is ready). */
const RETENTION_SWEEP_MS = 6 * 3_600_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** Where a story engine plugs in; see families/stories/engines/slot.ts. */
    storyEngines: StoryEngineSlot;
    /** Deletes what the accounts' retention periods have expired now (it also runs every few hours). */
    storiesRetention: () => Promise<{ stories: number; conversations: number; voices: number }>;
  }
}

function storiesServices(app: FastifyInstance) {
  const conversations = new ConversationStore(app.db, app.clock.now);
  const cursors = new CursorCodec(loadOrCreateSecret(app.config.dataDir, 'stories-cursor'));
  const engines = new StoryEngineSlot(app.ai, app.config.dataDir);
  const illustrator = new StoryIllustrator(app.ai, app.config.dataDir);
  const narrator = new StoryNarrator(app.ai, app.config.dataDir);
  const settings = new StorySettingsStore(app.db, app.clock.now, (ownerId) => narrator.clonedVoices.forget(ownerId));
  const approves = async (text: string, signal: AbortSignal) => {
    const model = engines.chatModel();
    return model ? chatModelApproves(app.ai, model, text, signal) : true;
  };
  const stories = new StoryService(
    app.db,
    app.storage,
    app.jobs,
    conversations,
    cursors,
    () => engines.writer(),
    illustrator,
    narrator,
    settings,
    approves,
    app.clock.now,
  );
  const views = new StoryViews(app.urlSigner);
  const transcriber = new SpeechTranscriber(app.ai, app.config.dataDir);
  const voices = new VoiceMatcher(app.ai, app.config.dataDir, narrator);
  const models = new InstalledModels(engines, narrator, transcriber, voices);
  const authorName = (id: string) => app.db.select({ name: users.name }).from(users).where(eq(users.id, id)).get()?.name ?? 'Atelier';
  const exporter = new StoryExporter(stories, app.storage, authorName);
  return { conversations, stories, views, engines, settings, models, exporter, transcriber, voices };
}

/** Children's stories family: /api/v1/auth/token, /api/v1/stories/**, WebSocket /wss/v1/audio. */
export default defineFamily({
  dialect: storiesDialect,
  prefixes: ['/api/v1/stories', '/api/v1/auth/token', '/wss/v1', '/ws/v1'],
  dependencies: ['config', 'db', 'auth', 'storage', 'jobs', 'ai'],
  services: storiesServices,
  setup(app, { stories, engines, conversations, voices, settings }) {
    stories.register();
    app.decorate('storyEngines', engines);
    const audio = attachAudioSocket(app, conversations, engines, voices, settings);
    // Progress reaches socket.io (`job:update`) through the queue, and the conversation socket as `story_progress`.
    app.jobs.on('update', (job) => {
      if (job.kind !== STORY_JOB || job.ownerId === null) return;
      const story = stories.forJob(job.id);
      if (story) {
        audio.broadcast(job.ownerId, {
          type: 'story_progress',
          story_id: story.id,
          status: story.status,
          title: story.title,
          progress: job.progress,
          stage: job.stage,
          message: job.message,
        });
      }
    });
    // Each account's retention period, enforced here whatever the client does.
    app.decorate('storiesRetention', () => stories.pruneExpired());
    const sweep = () =>
      stories.pruneExpired().then(
        (n) => n.stories + n.conversations + n.voices > 0 && app.log.info(n, 'stories retention: expired data deleted'),
        (err: unknown) => app.log.warn({ err }, 'stories retention: could not delete expired data'),
      );
    const timer = setInterval(() => void sweep(), RETENTION_SWEEP_MS).unref();
    app.addHook('onReady', async () => void (await sweep()));
    app.addHook('onClose', async () => clearInterval(timer));
    // Rows went with the account through the foreign keys; its files are all under one folder.
    app.auth.onAccountDeleted((userId) => app.storage.deletePrefix(`stories/${userId}`));
  },
  async routes(app, s) {
    await storiesAccountRoutes(app);
    await settingsRoutes(app, s.settings, s.models, s.exporter);
    await speechRoutes(app, s.transcriber);
    await storyRoutes(app, s.stories, s.views);
  },
});
