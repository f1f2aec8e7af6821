import type { AiPool } from '../../../ai/pool';
import { installedChatModel } from '../../../ai/pipelines/chat';
import { BuiltinStoryWriter } from './builtin-writer';
import { ChatModelWriter } from './chat-writer';
import type { StoryEngine } from './types';

export { chatModelsRoot } from '../../../ai/pipelines/chat';

/**
 * Which engine writes the next story: one plugged in (a test's instrumented engine) when there is
 * one, else the first installed chat model (by folder name), else the built-in storyteller, which
 * is always there.
 */
export class StoryEngineSlot {
  private plugged: StoryEngine | null = null;
  readonly builtin = new BuiltinStoryWriter();

  constructor(
    private readonly pool: AiPool,
    private readonly dataDir: string,
  ) {}

  use(engine: StoryEngine | null): void {
    this.plugged = engine;
  }

  /** The installed chat model folder the stories use, or null. Hidden folders (installs in progress) are skipped. */
  chatModel(): string | null {
    return installedChatModel(this.dataDir);
  }

  writer(): StoryEngine {
    if (this.plugged) return this.plugged;
    const model = this.chatModel();
    return model ? new ChatModelWriter(this.pool, model) : this.builtin;
  }
}
