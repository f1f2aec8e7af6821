import { Type, type Static } from 'typebox';
import { Accessory } from '../../../../src-shared/api/stage';
import { AppError } from '../../../http/errors';
import type { Issue } from '../http';
import { errors } from '../errors';

export { Accessory };

export type AccessoryItem = Static<typeof Accessory>;

export const MAX_ACCESSORIES = 100;

export const AccessoryList = Type.Array(Accessory, { maxItems: MAX_ACCESSORIES, description: `At most ${MAX_ACCESSORIES}` });

/** Keeps the documented fields only, so what is stored and echoed is exactly the accessory. */
export function accessoryOf(a: AccessoryItem): AccessoryItem {
  return {
    socketName: a.socketName,
    relativeLocation: { x: a.relativeLocation.x, y: a.relativeLocation.y, z: a.relativeLocation.z },
    relativeRotation: { pitch: a.relativeRotation.pitch, yaw: a.relativeRotation.yaw, roll: a.relativeRotation.roll },
    modelUrl: a.modelUrl,
  };
}

export const accessoriesNotArray = () => errors.error('INVALID_ACCESSORIES', 'accessories must be an array');

/** `INVALID_ACCESSORIES` for a schema failure in an `accessories` list or a single accessory body. */
export function invalidAccessories(issue: Issue): AppError {
  return issue.path.length === 1 && issue.path[0] === 'accessories' && issue.keyword === 'type'
    ? accessoriesNotArray()
    : errors.error('INVALID_ACCESSORIES', issue.text);
}
