/**
 * Small but real glTF 2.0 binaries for the stage: boxes with a colour, in a node tree with named
 * nodes (the sockets accessories attach to). Three's GLTFLoader reads them like any exported model.
 */

export interface GlbBox {
  name: string;
  /** Centre, in metres. */
  at: [number, number, number];
  size: [number, number, number];
  /** Linear RGB, 0..1. */
  color: [number, number, number];
  /** Named children (sockets): empty nodes at an offset from this box's centre. */
  sockets?: { name: string; at: [number, number, number] }[];
}

const BOX_INDICES = [0, 1, 2, 0, 2, 3, 4, 6, 5, 4, 7, 6, 0, 4, 5, 0, 5, 1, 1, 5, 6, 1, 6, 2, 2, 6, 7, 2, 7, 3, 3, 7, 4, 3, 4, 0];

function boxPositions([w, h, d]: [number, number, number]): number[] {
  const [x, y, z] = [w / 2, h / 2, d / 2];
  return [-x, -y, z, x, -y, z, x, y, z, -x, y, z, -x, -y, -z, x, -y, -z, x, y, -z, -x, y, -z];
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** One GLB holding the boxes, each a root node with its sockets as children. */
export function glbOf(boxes: GlbBox[]): Buffer {
  const bin: Buffer[] = [];
  let offset = 0;
  const bufferViews: object[] = [];
  const accessors: object[] = [];
  const push = (data: Buffer, target: number) => {
    bufferViews.push({ buffer: 0, byteOffset: offset, byteLength: data.length, target });
    const padded = Buffer.concat([data, Buffer.alloc(pad4(data.length))]);
    bin.push(padded);
    offset += padded.length;
    return bufferViews.length - 1;
  };
  const nodes: object[] = [];
  const meshes: object[] = [];
  const materials: object[] = [];
  const roots: number[] = [];
  for (const box of boxes) {
    const positions = boxPositions(box.size);
    const pos = push(Buffer.from(new Float32Array(positions).buffer), 34962);
    const idx = push(Buffer.from(new Uint16Array(BOX_INDICES).buffer), 34963);
    const half = box.size.map((s) => s / 2);
    accessors.push({ bufferView: pos, componentType: 5126, count: 8, type: 'VEC3', min: half.map((h) => -h), max: half });
    accessors.push({ bufferView: idx, componentType: 5123, count: BOX_INDICES.length, type: 'SCALAR' });
    materials.push({
      name: `${box.name} paint`,
      pbrMetallicRoughness: { baseColorFactor: [...box.color, 1], metallicFactor: 0, roughnessFactor: 0.8 },
      doubleSided: true,
    });
    meshes.push({
      name: box.name,
      primitives: [{ attributes: { POSITION: accessors.length - 2 }, indices: accessors.length - 1, material: materials.length - 1 }],
    });
    const children = (box.sockets ?? []).map((socket) => {
      nodes.push({ name: socket.name, translation: socket.at });
      return nodes.length - 1;
    });
    nodes.push({ name: box.name, mesh: meshes.length - 1, translation: box.at, ...(children.length ? { children } : {}) });
    roots.push(nodes.length - 1);
  }
  const binChunk = Buffer.concat(bin);
  const json = {
    asset: { version: '2.0', generator: 'Atelier tests' },
    scene: 0,
    scenes: [{ nodes: roots }],
    nodes,
    meshes,
    materials,
    accessors,
    bufferViews,
    buffers: [{ byteLength: binChunk.length }],
  };
  const jsonText = Buffer.from(JSON.stringify(json));
  const jsonChunk = Buffer.concat([jsonText, Buffer.alloc(pad4(jsonText.length), 0x20)]);
  const total = 12 + 8 + jsonChunk.length + 8 + binChunk.length;
  const header = Buffer.alloc(12);
  header.write('glTF', 0, 'latin1');
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(total, 8);
  const chunkHeader = (length: number, type: number) => {
    const h = Buffer.alloc(8);
    h.writeUInt32LE(length, 0);
    h.writeUInt32LE(type, 4);
    return h;
  };
  return Buffer.concat([header, chunkHeader(jsonChunk.length, 0x4e4f534a), jsonChunk, chunkHeader(binChunk.length, 0x004e4942), binChunk]);
}

/** A performer: a blue body with a `Head` socket on top, and a hand socket. */
export const performerGlb = () =>
  glbOf([
    {
      name: 'Performer',
      at: [0, 0.9, 0],
      size: [0.6, 1.8, 0.4],
      color: [0.15, 0.35, 0.9],
      sockets: [
        { name: 'Head', at: [0, 1.0, 0] },
        { name: 'hand_r', at: [0.45, 0.1, 0] },
      ],
    },
  ]);

/** A hat: a flat red box. */
export const hatGlb = () => glbOf([{ name: 'Hat', at: [0, 0.1, 0], size: [0.5, 0.2, 0.5], color: [0.95, 0.15, 0.1] }]);
