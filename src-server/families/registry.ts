import type { FamilyManifest } from '../http/family';
import { dialectRouter } from '../http/routing';
import { systemDialect } from '../http/system-dialect';
import system from '../system/family';
import activity from '../activity/family';
import studio from './studio/family';
import promo from './promo/family';
import stories from './stories/family';
import stage from './stage/family';
import canvas from './canvas/family';

/**
 * Every API family, in mounting order, and Atelier's own routes. The only file outside a family
 * that names one: a new family adds its manifest here and touches nothing else that is shared.
 */
export const families: readonly FamilyManifest[] = [studio, promo, stories, stage, canvas, system, activity];

/** The dialect of the family that owns a URL (404s, 405s, malformed URLs). */
export const dialectForPath = dialectRouter(families, systemDialect);
