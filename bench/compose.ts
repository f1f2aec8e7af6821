// Composing speed: a 60 s sung take (synthesised, eight bars of A minor at 100 BPM, three times)
// through the whole pipeline, as time per second of input (real-time factor), by stage.
// `npx tsx bench/compose.ts`, or imported by bench/index.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AiPool } from '../src-server/ai/pool';
import { ArrangerComposer, STAGES, type ArrangerOutput } from '../src-server/compose/engine';
import { encodeAudio } from '../src-server/media/ffmpeg';
import { A_MINOR_MELODY, synthesiseTake } from '../test/compose/melody';

async function composeTake(
  engine: ArrangerComposer,
  dir: string,
  repeats: number,
): Promise<{ out: ArrangerOutput; inputSec: number; wallMs: number }> {
  const take = synthesiseTake({ sampleRate: 44_100, bpm: 100, notes: A_MINOR_MELODY, repeats, leadInSec: 1.2, tailSec: 1.2 });
  const source = path.join(dir, `take-${repeats}.wav`);
  await encodeAudio(take.samples, { sampleRate: 44_100, channels: 1, output: source });
  const workDir = fs.mkdtempSync(path.join(dir, 'work-'));
  const t0 = performance.now();
  const out = await engine.compose({
    source,
    prompt: 'upbeat pop with piano',
    genre: null,
    mood: null,
    instruments: [],
    workDir,
    signal: new AbortController().signal,
    progress: () => {},
  });
  return { out, inputSec: take.samples.length / 44_100, wallMs: performance.now() - t0 };
}

export async function runComposeBench(): Promise<Record<string, number | string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-compose-'));
  const pool = new AiPool();
  try {
    const engine = new ArrangerComposer(pool);
    // Model sessions load once per server; a short take first keeps that out of the figures.
    await composeTake(engine, dir, 1);
    const { out, inputSec, wallMs } = await composeTake(engine, dir, 3);
    const rtf = (ms: number) => Number((ms / 1000 / inputSec).toFixed(3));
    const figures: Record<string, number | string> = {
      [`compose ${inputSec.toFixed(1)} s take (${out.engine}), RTF total`]: rtf(wallMs),
    };
    for (const stage of STAGES)
      figures[`compose RTF: ${stage} (wall; in-process CPU s per input s)`] = `${rtf(out.timings[stage])}; ${rtf(out.cpuTimings[stage])}`;
    figures['load average while composing (1 min)'] = os.loadavg()[0]!.toFixed(1);
    figures['compose result: key / tempo / loudness'] = `${out.key} / ${out.tempo} BPM / ${out.loudness.integrated} LUFS`;
    return figures;
  } finally {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runComposeBench().then(
    (figures) => {
      console.log(`Atelier compose bench — ${os.cpus().length} CPU, node ${process.version}\n`);
      for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(70)} ${v}`);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
