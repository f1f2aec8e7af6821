import { defineErrors } from '../../http/errors';

/**
 * The stage's own codes (seed spec 1, per section) and what they mean; services and routes throw
 * `errors.error('CODE', message?)`. Shared failures and each route's 500 code are in dialect.ts
 * and http.ts.
 */
export const errors = defineErrors({
  ADD_ACCESSORY_FAILED: { status: 400, message: 'Cannot add accessory while concert is open' },
  INVALID_ACCESSORIES: { status: 400, message: 'accessories must be an array' },
  INVALID_FILE_TYPE: { status: 400, message: 'The file type is not accepted (recognised by its content)' },
  INVALID_ID: { status: 400, message: 'Invalid ID' },
  INVALID_INPUT: { status: 400, message: 'Invalid input' },
  INVALID_INPUT_TYPE: { status: 400, message: 'A field has the wrong type' },
  INVALID_SONGS: { status: 400, message: 'The song list is invalid' },
  INVALID_THUMBNAIL: { status: 400, message: 'The thumbnail must be a PNG, JPEG or WebP image' },
  JOIN_FAILED: { status: 400, message: 'Could not join the concert' },
  MISSING_CLIENT_ID: { status: 400, message: 'clientId is required' },
  MISSING_FIELDS: { status: 400, message: 'Required fields are missing' },
  MISSING_TITLE: { status: 400, message: 'Title is required' },
  NO_FILE: { status: 400, message: 'No file provided' },
  NO_UPDATE_FIELDS: { status: 400, message: 'No fields to update' },
  REMOVE_ACCESSORY_FAILED: { status: 400, message: 'Cannot remove accessory while concert is open' },
  UPDATE_ACCESSORIES_FAILED: { status: 400, message: 'Cannot update accessories while concert is open' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid user id or password' },
  ACCESS_DENIED: { status: 403, message: 'Access denied' },
  PERMISSION_DENIED: { status: 403, message: 'Permission denied' },
  ACCESSORY_NOT_FOUND: { status: 404, message: 'No accessory at this index' },
  AUDIO_NOT_FOUND: { status: 404, message: 'Audio file not found' },
  CONCERT_NOT_FOUND: { status: 404, message: 'Concert not found' },
  FILE_NOT_FOUND: { status: 404, message: 'File not found on server' },
  MODEL_NOT_FOUND: { status: 404, message: 'Model not found or access denied' },
  PRESET_NOT_FOUND: { status: 404, message: 'Preset not found' },
  SONG_NOT_FOUND: { status: 404, message: 'The song is not in this concert' },
  DUPLICATE_MODEL_NAME: { status: 409, message: 'Model name already exists for this user' },
  DUPLICATE_PRESET_NAME: { status: 409, message: 'A preset with this name already exists' },
  DUPLICATE_SONG_NUM: { status: 409, message: 'The song number is already in this concert' },
  FILE_TOO_LARGE: { status: 413, message: 'The file is too large' },
  CREATE_FAILED: { status: 500, message: 'Failed to create concert' },
  DATABASE_ERROR: { status: 500, message: 'Database error' },
  LIST_FAILED: { status: 500, message: 'Failed to list' },
  SAVE_FAILED: { status: 500, message: 'Failed to save preset' },
  STREAMING_ERROR: { status: 500, message: 'Failed to stream audio file' },
  UPLOAD_ERROR: { status: 500, message: 'Failed to upload file' },
});
