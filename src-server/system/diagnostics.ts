import os from 'node:os';
import path from 'node:path';
import { freeBytes } from '../ai/diffusion/catalog';
import type { ProviderChoice } from '../ai/providers';
import { lastLogLines } from '../log-file';
import { listFfmpegs } from '../media/ffmpeg';
import { dataFolderSizes } from './data/sizes';

export const DIAGNOSTIC_LOG_LINES = 200;

/**
 * Takes personal data out of a line for a bug report: e-mail addresses, tokens (JWTs, Bearer and
 * Basic credentials, long secrets, signed URL signatures), and the home folder (which names the user).
 */
export function scrub(line: string, home = os.homedir()): string {
  let out = line
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '<email>')
    .replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '<token>')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 <token>')
    .replace(/([?&](?:sig|signature|token|access_token|refresh_token|code|key|password|secret)=)[^&\s"]+/gi, '$1<redacted>')
    .replace(/("(?:password|token|access_token|refresh_token|secret|authorization|cookie)"\s*:\s*)"[^"]*"/gi, '$1"<redacted>"')
    .replace(/\b[A-Za-z0-9_-]{40,}\b/g, '<redacted>');
  if (home && home !== '/') out = out.split(home).join('~');
  return out;
}

export interface DiagnosticsInput {
  version: string;
  dataDir: string;
  providers: ProviderChoice;
}

/** The text "Copy diagnostics" puts on the clipboard: versions, execution providers, ffmpeg, disk, the last log lines. */
export async function diagnostics({ version, dataDir, providers }: DiagnosticsInput): Promise<string> {
  const ffmpegs = await listFfmpegs();
  const sizes = dataFolderSizes(dataDir);
  const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
  const versions = process.versions as NodeJS.ProcessVersions & { electron?: string; chrome?: string };
  const lines = [
    `Atelier ${version}`,
    `Platform: ${process.platform} ${os.release()} ${process.arch}; ${os.cpus().length} CPUs; ${gb(os.totalmem())} memory`,
    `Node ${versions.node}${versions.electron ? `; Electron ${versions.electron}; Chrome ${versions.chrome}` : ''}`,
    `Execution providers: ${providers.available.join(', ')} (using ${providers.preferred}${providers.forced ? ', forced' : ''})`,
    ffmpegs.length
      ? `ffmpeg: ${ffmpegs.map((f) => `${f.version} (${f.source}${f.missing.length ? `; lacks ${f.missing.join(', ')}` : ''})`).join('; ')}`
      : 'ffmpeg: none found',
    `Disk: ${gb(freeBytes(dataDir))} free where the data folder is`,
    `Data folder: ${gb(sizes.total_bytes)} (${sizes.areas
      .filter((a) => a.bytes > 0)
      .map((a) => `${a.area} ${gb(a.bytes)}`)
      .join(', ')})`,
    '',
    `Last ${DIAGNOSTIC_LOG_LINES} log lines:`,
    ...lastLogLines(path.join(dataDir, 'logs'), DIAGNOSTIC_LOG_LINES),
  ];
  return lines.map((l) => scrub(l)).join('\n');
}
