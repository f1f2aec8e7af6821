import { defineErrors } from '../../http/errors';

/**
 * The stories family's codes (spec §4.2 plus what the spec leaves to the server). The REST routes
 * answer them as `{success:false, error:{code, message}}`; the audio WebSocket sends the same code
 * as `{type:"error", error_code, error_message}`.
 */
export const storiesErrors = defineErrors({
  VALIDATION_ERROR: { status: 400, message: 'Request data is invalid' },
  INVALID_CURSOR: { status: 400, message: 'start_cursor is not a cursor this list handed out, or belongs to another filter or sort' },
  UNSAFE_CONTENT: { status: 400, message: "The text contains words that are not suitable for a children's story" },
  INVALID_TOKEN: { status: 401, message: 'Token is missing or invalid' },
  INSUFFICIENT_PERMISSION: { status: 403, message: 'This story belongs to another account' },
  RESOURCE_NOT_FOUND: { status: 404, message: 'Story not found' },
  STORY_NOT_READY: { status: 409, message: 'The story is not finished yet' },
  VOICE_NOT_INSTALLED: { status: 400, message: 'The installed narration model has no such voice' },
  NO_FILE: { status: 400, message: 'Send the recording as the multipart file part `audio`' },
  AUDIO_DECODE_FAILED: { status: 400, message: 'The recording is not audio ffmpeg can read (send WAV, WebM/Opus or MP3)' },
  FILE_TOO_LARGE: { status: 413, message: 'The recording is too large' },
  NO_SPEECH: { status: 422, message: 'No speech was heard in the recording' },
  STT_MODEL_MISSING: {
    status: 503,
    message:
      'No speech-to-text model is installed: put a Whisper model in the transformers.js layout in models/stt (e.g. whisper-small); meanwhile type the answer',
  },
  RATE_LIMIT_EXCEEDED: { status: 429, message: 'Too many requests; slow down and retry later' },
  SERVER_ERROR: { status: 500, message: 'Internal server error' },
  // The story job's failure reasons (a failed story's `fail_code`).
  CONTENT_FILTERED: { status: 422, message: 'The written text did not pass the safety check, so it was not kept' },
  OUTLINE_INVALID: { status: 502, message: 'The chat model did not give a story outline that fits the schema' },
  STORY_ENGINE_FAILED: { status: 500, message: 'The story engine could not write the story' },
});

export type StoriesErrorCode = keyof typeof storiesErrors.table;
