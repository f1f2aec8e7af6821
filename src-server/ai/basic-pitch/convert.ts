import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageDir } from '../models';
import { convertTfjsGraph, readTfjsModel } from '../onnx/from-tfjs';
import { basicPitchModelDir, IO } from './model';

// Converts the tfjs graph that @spotify/basic-pitch ships into model.onnx plus source.json (the
// source's hash, so a changed package triggers a new conversion). Run by scripts/postinstall.mjs;
// by hand: `npx tsx src-server/ai/basic-pitch/convert.ts [--out DIR] [--force]`.

/** Bump when the converter's output changes, so installed models are converted again. */
export const CONVERTER_VERSION = 1;
const OPSET = 17;

export interface ConversionInfo {
  source: string;
  sourceSha256: string;
  converterVersion: number;
  opset: number;
  convertedAt: string;
  /** Source ops converted, by TensorFlow op name. */
  tfOps: Record<string, number>;
  onnxNodes: number;
  conversionMs: number;
}

export interface ConvertResult {
  /** False when an up-to-date model was already there. */
  converted: boolean;
  modelPath: string;
  info: ConversionInfo;
}

/** model.json of the installed @spotify/basic-pitch and the package's version. */
export function basicPitchSource(): { modelJson: string; version: string } {
  const dir = packageDir('@spotify/basic-pitch');
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return { modelJson: path.join(dir, 'model', 'model.json'), version };
}

function sha256(files: string[]): string {
  const hash = crypto.createHash('sha256');
  for (const f of files) hash.update(fs.readFileSync(f));
  return hash.digest('hex');
}

function readInfo(file: string): ConversionInfo | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ConversionInfo;
  } catch {
    return null;
  }
}

/** Converts unless `outDir` already holds a model made from the same source by this converter version. */
export async function convertBasicPitch(options: { outDir?: string; force?: boolean } = {}): Promise<ConvertResult> {
  const outDir = options.outDir ?? basicPitchModelDir();
  const modelPath = path.join(outDir, 'model.onnx');
  const infoPath = path.join(outDir, 'source.json');
  const started = performance.now();
  const { modelJson, version } = basicPitchSource();
  const tfjs = readTfjsModel(modelJson);
  const sourceSha256 = sha256(tfjs.files);
  const existing = readInfo(infoPath);
  if (
    !options.force &&
    existing &&
    existing.sourceSha256 === sourceSha256 &&
    existing.converterVersion === CONVERTER_VERSION &&
    fs.existsSync(modelPath)
  ) {
    return { converted: false, modelPath, info: existing };
  }
  const { graph, ops } = convertTfjsGraph(tfjs, {
    inputNames: { input_2: IO.audio },
    // basic-pitch's own names for its three heads (its inference.ts maps them the same way).
    outputs: [
      { node: 'Identity', name: IO.contour },
      { node: 'Identity_1', name: IO.note },
      { node: 'Identity_2', name: IO.onset },
    ],
  });
  const source = `@spotify/basic-pitch@${version}`;
  await graph.write(modelPath, {
    opsets: { '': OPSET },
    producerName: 'atelier tfjs-to-onnx',
    producerVersion: String(CONVERTER_VERSION),
    docString: `basic-pitch (Spotify, Apache-2.0) converted from ${source}`,
    metadata: { source, source_sha256: sourceSha256 },
  });
  const info: ConversionInfo = {
    source,
    sourceSha256,
    converterVersion: CONVERTER_VERSION,
    opset: OPSET,
    convertedAt: new Date().toISOString(),
    tfOps: ops,
    onnxNodes: graph.nodeCount,
    conversionMs: Math.round(performance.now() - started),
  };
  const tmp = `${infoPath}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n');
  fs.renameSync(tmp, infoPath);
  return { converted: true, modelPath, info };
}

async function main(argv: string[]): Promise<number> {
  const outAt = argv.indexOf('--out');
  const outDir = outAt >= 0 ? path.resolve(argv[outAt + 1] ?? '') : undefined;
  try {
    const { converted, modelPath, info } = await convertBasicPitch({ outDir, force: argv.includes('--force') });
    const where = path.relative(process.cwd(), modelPath) || modelPath;
    console.log(
      converted
        ? `Atelier: converted ${info.source} to ONNX in ${info.conversionMs} ms (${where})`
        : `Atelier: ${where} is up to date with ${info.source}`,
    );
    return 0;
  } catch (err) {
    console.log(
      `Atelier: could not convert basic-pitch to ONNX (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); melody transcription will report the model missing`,
    );
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
