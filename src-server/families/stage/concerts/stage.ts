import path from 'node:path';
import type { ConcertStage, ConcertStageModel } from '../../../../src-shared/events';
import type { UrlSigner } from '../../../storage/signed-url';
import type { AccessoryItem } from '../presets/accessories';
import type { Model3dService } from '../models/service';
import { MODEL_CONTENT_TYPES, type ModelFormat } from '../models/sniff';
import { PLAYBACK_URL_TTL_SECONDS } from './realtime';

/** An accessory names a library model by the spec's own download path, on this server or written without one. */
const LIBRARY_MODEL_URL = /^(?:https?:\/\/[^/]+)?\/api\/models\/file\/(\d{1,15})$/;

/** The library model an accessory's `modelUrl` points at, or null for a URL elsewhere. */
export function libraryModelId(modelUrl: string): number | null {
  const match = LIBRARY_MODEL_URL.exec(modelUrl.trim());
  return match ? Number(match[1]) : null;
}

export const libraryModelUrl = (modelId: number) => `/api/models/file/${modelId}`;

/**
 * What listeners see on the stage: the studio's model and each accessory's model, as signed URLs
 * of the files stored here (a listener has no access to the studio's library). Only the studio's
 * own stored models are ever signed, whatever an accessory's URL says.
 */
export function stageViews(models: Model3dService, signer: UrlSigner) {
  const modelView = (studioSeq: number, modelId: number): ConcertStageModel | null => {
    const placed = models.placed(studioSeq, modelId);
    if (!placed?.stored) return null;
    const format = path.extname(placed.row.filePath).slice(1) as ModelFormat;
    const url = signer.sign({
      method: 'GET',
      key: placed.row.filePath,
      expiresInSeconds: PLAYBACK_URL_TTL_SECONDS,
      contentType: MODEL_CONTENT_TYPES[format],
    });
    return { modelId, name: placed.row.modelName, url, format };
  };

  return (studioSeq: number, stageModelId: number | null, accessories: AccessoryItem[]): ConcertStage | null => {
    const model = stageModelId === null ? null : modelView(studioSeq, stageModelId);
    if (!model) return null;
    return {
      model,
      accessories: accessories.map((a, index) => {
        const id = libraryModelId(a.modelUrl);
        return { ...a, index, model: id === null ? null : modelView(studioSeq, id) };
      }),
    };
  };
}

export type StageViews = ReturnType<typeof stageViews>;
