import os from 'node:os';
import { freeBytes } from '../../ai/diffusion/catalog';
import type { ProviderChoice } from '../../ai/providers';
import { locateFfmpeg } from '../../media/ffmpeg';
import type { MachineCheck } from '../../../src-shared/api/catalog';

export async function checkMachine(dataDir: string, providers: ProviderChoice): Promise<MachineCheck> {
  const ffmpeg = await locateFfmpeg();
  return {
    execution_providers: { available: [...providers.available], preferred: providers.preferred },
    gpu: providers.preferred !== 'cpu',
    memory_bytes: os.totalmem(),
    free_disk_bytes: freeBytes(dataDir),
    ffmpeg: { found: !!ffmpeg, version: ffmpeg?.version ?? null, source: ffmpeg?.source ?? null, path: ffmpeg?.ffmpeg ?? null },
  };
}
