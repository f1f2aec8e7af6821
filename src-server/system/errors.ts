import { defineErrors } from '../http/errors';
import { lanErrors } from '../plugins/app/lan';

/** Atelier's own codes for its settings routes; services throw `errors.error('CODE', message?)`. */
export const errors = defineErrors({
  VALIDATION_ERROR: { status: 400, message: 'Request data is invalid' },
  FORBIDDEN: { status: 403, message: 'This install was started by another account' },
  OWNER_ONLY: lanErrors.table.OWNER_ONLY,
  INSTALL_NOT_FOUND: { status: 404, message: 'No such model install' },
  MODEL_NOT_FOUND: { status: 404, message: 'No such model is installed' },
  PATH_NOT_FOUND: { status: 404, message: 'The path does not exist on this computer' },
  INSTALL_FINISHED: { status: 409, message: 'This install has already finished' },
  INSTALL_IN_PROGRESS: { status: 409, message: 'The model is being installed' },
  MODEL_EXISTS: { status: 409, message: 'The model is already installed' },
  CHECKSUM_MISMATCH: { status: 422, message: 'The download does not match its sha256' },
  DOWNLOAD_FAILED: { status: 422, message: 'The download failed' },
  INVALID_MANIFEST: { status: 422, message: 'Not a model manifest' },
  INVALID_MODEL: { status: 422, message: 'A broken or incomplete model' },
  NOT_A_MODEL: { status: 422, message: 'The path is no model folder' },
  FFMPEG_INVALID: { status: 400, message: 'That file does not run as ffmpeg' },
  DATA_DIR_FIXED: { status: 409, message: 'ATELIER_DATA_DIR chooses the data folder' },
  TARGET_NOT_EMPTY: { status: 409, message: 'The target folder is not empty' },
  MOVE_FAILED: { status: 422, message: 'The data folder could not be copied' },
  INVALID_LIBRARY: { status: 422, message: 'Not a usable Atelier library archive' },
  NOT_ENOUGH_SPACE: { status: 422, message: 'Not enough free disk space for this download' },
  CATALOG_ENTRY_NOT_FOUND: { status: 404, message: 'No such entry in the model catalog' },
});
