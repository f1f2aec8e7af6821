import { defineErrors } from '../../http/errors';

export const errors = defineErrors({
  NOTE_NOT_FOUND: { status: 404, message: 'Note not found' },
});
