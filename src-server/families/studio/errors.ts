import { defineErrors } from '../../http/errors';

/**
 * The recording studio's own codes (seed spec 2 and the choices in README.md) and what they mean;
 * services and routes throw `errors.error('CODE', message?)`. Shared failures are in dialect.ts.
 */
export const errors = defineErrors({
  INVALID_CLIP: { status: 400, message: 'A clip lies outside its take or plays a take this studio does not have' },
  INVALID_AUDIO: { status: 400, message: 'The file is not an accepted audio format (recognised by its content)' },
  INVALID_FILE_PATH: { status: 400, message: 'The file path was not given to this account by a presignedUrl request' },
  INVALID_IMAGE_PATH: { status: 400, message: 'imageFilePath must be an imageFilePath that GET /api/song/cover gave this account' },
  SECTION_OUT_OF_RANGE: { status: 400, message: 'The bars asked for are not in the song' },
  UNKNOWN_VIBE: { status: 400, message: 'The arranger has no such genre, mood or instrument' },
  VALIDATION_ERROR: { status: 400, message: 'Request data is invalid' },
  INVALID_CREDENTIALS: { status: 401, message: 'User id/e-mail or password is incorrect' },
  INVALID_TOKEN: { status: 401, message: 'The refresh token is invalid' },
  FORBIDDEN: { status: 403, message: 'This belongs to another account' },
  MODEL_NOT_AVAILABLE: { status: 403, message: 'The image model needs a higher plan' },
  FILE_NOT_FOUND: { status: 404, message: 'The file is not stored' },
  IMAGE_NOT_FOUND: { status: 404, message: 'No cover image is stored at imageFilePath' },
  JOB_NOT_FOUND: { status: 404, message: 'No cover job has this id' },
  MODEL_NOT_FOUND: { status: 404, message: 'No such image model is installed' },
  SHARE_NOT_FOUND: { status: 404, message: 'This share link does not exist or was turned off' },
  SONG_NOT_FOUND: { status: 404, message: 'Song not found' },
  STUDIO_NOT_FOUND: { status: 404, message: 'Studio not found' },
  TRACK_NOT_FOUND: { status: 404, message: 'Track not found' },
  ARRANGEMENT_CONFLICT: { status: 409, message: 'The arrangement changed since the version this change was made on' },
  NOTHING_TO_UNDO: { status: 409, message: 'There is no change to undo' },
  NOTHING_TO_REDO: { status: 409, message: 'There is no undone change to redo' },
  COVER_CANCELLED: { status: 409, message: 'The cover job was cancelled' },
  DUPLICATE_ACCOUNT: { status: 409, message: 'The user id or e-mail is already taken' },
  NOT_ARRANGED: { status: 409, message: 'Only a song composed by atelier-arranger can be extended, remixed or partly redone' },
  TRACK_NOT_PENDING: { status: 409, message: 'This track was uploaded completely; delete it with DELETE /api/work/track/{trackId}' },
  TRACK_NOT_READY: { status: 409, message: 'The track has not finished uploading' },
  UPLOAD_NOT_FOUND: { status: 409, message: 'Nothing has been uploaded to the presigned URL yet' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The file is too large' },
  MIX_FAILED: { status: 422, message: 'The tracks could not be mixed' },
  NOTHING_TO_MIX: { status: 422, message: 'The arrangement has no clips to mix' },
  NO_MELODY_FOUND: { status: 422, message: 'No melody to compose from' },
  COMPOSER_FAILED: { status: 502, message: 'The composing engine failed' },
  IMAGE_ENGINE_FAILED: { status: 502, message: 'The image engine could not draw the cover' },
  COMPOSER_UNAVAILABLE: { status: 503, message: 'No composing engine is available' },
  FFMPEG_UNAVAILABLE: { status: 503, message: 'ffmpeg is not installed' },
  IMAGE_MODEL_UNAVAILABLE: { status: 503, message: 'The image model is unavailable' },
});

export const studioNotFound = () => errors.error('STUDIO_NOT_FOUND', 'Studio not found');
export const trackNotFound = () => errors.error('TRACK_NOT_FOUND', 'Track not found');
export const songNotFound = () => errors.error('SONG_NOT_FOUND', 'Song not found');
export const notYours = (what: string) => errors.error('FORBIDDEN', `This ${what} belongs to another account`);
