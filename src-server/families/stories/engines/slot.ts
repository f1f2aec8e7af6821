import fs from 'node:fs';
import path from 'node:path';
import type { AiPool } from '../../../ai/pool';
import { chatModelFile } from '../../../ai/pipelines/chat';
import { BuiltinStoryWriter } from './builtin-writer';
import { ChatModelWriter } from './chat-writer';
import type { StoryEngine } from './types';

/** Where the user installs chat models: one folder each, in the transformers.js layout. */
export const chatModelsRoot = (dataDir: string) => path.join(dataDir, 'models', 'chat');

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
    const root = chatModelsRoot(this.dataDir);
    let names: string[];
    try {
      names = fs
        .readdirSync(root)
        .filter((n) => !n.startsWith('.'))
        .sort();
    } catch {
      return null;
    }
    const dir = names.map((n) => path.join(root, n)).find((d) => chatModelFile(d) !== null);
    return dir ?? null;
  }

  writer(): StoryEngine {
    if (this.plugged) return this.plugged;
    const model = this.chatModel();
    return model ? new ChatModelWriter(this.pool, model) : this.builtin;
  }
}
