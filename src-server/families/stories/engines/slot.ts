import { BuiltinStoryWriter } from './builtin-writer';
import type { StoryEngine } from './types';

/**
 * Which engine writes the next story: one plugged in (an installed chat model, or a test's
 * instrumented engine) when there is one, else the built-in storyteller, which is always there.
 */
export class StoryEngineSlot {
  private plugged: StoryEngine | null = null;
  readonly builtin = new BuiltinStoryWriter();

  use(engine: StoryEngine | null): void {
    this.plugged = engine;
  }

  writer(): StoryEngine {
    return this.plugged ?? this.builtin;
  }
}
