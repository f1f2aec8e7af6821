import { Type, type Static } from 'typebox';

/**
 * The stories family's response shapes (`/api/v1/stories/**`) that the server declares in its
 * schema modules: the server validates and documents its answers with them, and the UI reads their
 * Static types.
 */

/** POST /api/v1/stories/transcribe: the child's spoken answer as text. */
export const Transcript = Type.Object({
  text: Type.String({ description: 'What was said (masked where the safety filter blocks words)' }),
  flagged: Type.Boolean(),
  engine: Type.String({ description: 'e.g. "whisper whisper-small (transformers.js, q8)"' }),
  device: Type.String({ description: 'Where it ran: cpu…' }),
  voiced_seconds: Type.Number({ description: 'Speech the VAD found in the recording' }),
});

export type Transcript = Static<typeof Transcript>;
