import os from 'node:os';
import { freeBytes } from '../../ai/diffusion/catalog';
import type { ProviderChoice } from '../../ai/providers';
import { locateFfmpeg } from '../../media/ffmpeg';

/** What the first run and the catalog check before offering models: accelerator, memory, disk, ffmpeg. */
export interface MachineCheck {
  execution_providers: { available: string[]; preferred: string };
  /** Whether a GPU execution provider (CUDA, DirectML, CoreML…) is there; without one models run on the CPU. */
  gpu: boolean;
  memory_bytes: number;
  free_disk_bytes: number;
  ffmpeg: { found: boolean; version: string | null; source: string | null; path: string | null };
}

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
