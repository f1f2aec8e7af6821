import { Type, type Static } from 'typebox';

/** The stories family's response shapes the UI reads: the server validates its answers with these schemas. */

/** POST /api/v1/stories/transcribe: the child's spoken answer as text. */
export const Transcript = Type.Object({
  text: Type.String({ description: 'What was said (masked where the safety filter blocks words)' }),
  /** The child's words held something the safety filter blocks; `text` is masked. */
  flagged: Type.Boolean(),
  engine: Type.String({ description: 'e.g. "whisper whisper-small (transformers.js, q8)"' }),
  device: Type.String({ description: 'Where it ran: cpu…' }),
  voiced_seconds: Type.Number({ description: 'Speech the VAD found in the recording' }),
});
export type Transcript = Static<typeof Transcript>;
