import fsp from 'node:fs/promises';

/**
 * Tells glTF binary, glTF JSON and FBX (binary or ASCII) apart by their bytes, then checks the
 * stored file agrees: GLB's declared length and JSON chunk, glTF's `asset.version`, FBX's header.
 */

export type ModelFormat = 'glb' | 'gltf' | 'fbx';

export const MODEL_CONTENT_TYPES: Record<ModelFormat, string> = {
  glb: 'model/gltf-binary',
  gltf: 'model/gltf+json',
  fbx: 'application/octet-stream',
};

/** Bytes read before deciding; an ASCII FBX names its header section within them. */
export const MODEL_HEAD_BYTES = 64 * 1024;

/** "Kaydara FBX Binary", two spaces, NUL: the first 21 bytes of every binary FBX. */
const FBX_BINARY_MAGIC = Buffer.from('Kaydara FBX Binary  \0', 'latin1');
const GLB_JSON_CHUNK = 0x4e4f534a;
const GLTF_VERSION = /^2\.\d+$/;

function leadingText(head: Buffer): string {
  return head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
}

export function sniffModel(head: Buffer): ModelFormat | null {
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'glTF' && head.readUInt32LE(4) === 2) return 'glb';
  if (head.length >= 27 && head.subarray(0, 21).equals(FBX_BINARY_MAGIC) && head[21] === 0x1a && head[22] === 0x00) return 'fbx';
  const text = leadingText(head);
  if (text.startsWith('; FBX') && text.includes('FBXHeaderExtension')) return 'fbx';
  if (text.startsWith('{')) return 'gltf';
  return null;
}

const isGltf2 = (json: unknown) => {
  const version = (json as { asset?: { version?: unknown } } | null)?.asset?.version;
  return typeof version === 'string' && GLTF_VERSION.test(version);
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Whether the whole stored file (`size` bytes at `file`) is a well-formed `format` model. */
export async function verifyModel(format: ModelFormat, file: string, size: number): Promise<boolean> {
  if (format === 'gltf') return isGltf2(parseJson((await fsp.readFile(file, 'utf8')).replace(/^\uFEFF/, '')));
  if (format === 'fbx') return true;
  const handle = await fsp.open(file, 'r');
  try {
    const header = Buffer.alloc(20);
    await handle.read(header, 0, 20, 0);
    if (header.readUInt32LE(8) !== size) return false;
    const chunkLength = header.readUInt32LE(12);
    if (header.readUInt32LE(16) !== GLB_JSON_CHUNK || chunkLength > size - 20) return false;
    const chunk = Buffer.alloc(chunkLength);
    await handle.read(chunk, 0, chunkLength, 20);
    return isGltf2(parseJson(chunk.toString('utf8')));
  } finally {
    await handle.close();
  }
}
