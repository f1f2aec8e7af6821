import { defineErrors } from '../../http/errors';

/**
 * The promo spec's own codes. ITEM_001 and TASK_002/TASK_003 are Atelier's where the spec is
 * silent (an item id that is not yours, a task that cannot be cancelled, a site that cannot be used).
 */
export const promoErrors = defineErrors({
  AUTH_001: { status: 401, message: 'Incorrect user id or password' },
  AUTH_002: { status: 409, message: 'That user id already exists' },
  USER_001: { status: 404, message: 'User not found' },
  ITEM_001: { status: 404, message: 'Business not found' },
  VIDEO_001: { status: 404, message: 'Video not found' },
  TASK_001: { status: 404, message: 'Task not found' },
  TASK_002: { status: 409, message: 'The task has already finished' },
  PICTURE_001: { status: 409, message: 'The business has as many pictures as a video takes' },
  PICTURE_002: { status: 422, message: 'That picture cannot be used' },
  PICTURE_003: { status: 422, message: 'The order must list every picture once' },
  PICTURE_004: { status: 404, message: 'Picture not found' },
  LYRICS_001: { status: 422, message: 'The lyrics do not fit the song' },
  URL_001: { status: 422, message: 'The address is not a web page Atelier may fetch' },
  SOCIAL_001: { status: 503, message: 'Google sign-in is not set up' },
  SOCIAL_002: { status: 502, message: 'Google could not be reached' },
  SOCIAL_003: { status: 422, message: 'return_url is not allowed' },
  SOCIAL_004: { status: 404, message: 'Sign-in token not found' },
  SOCIAL_005: { status: 409, message: 'Sign-in cannot return to this device' },
});
