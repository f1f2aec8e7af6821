import * as THREE from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import type { ConcertStage, ConcertStageAccessory, ConcertStageModel } from '../../../../../src-shared/events';

/**
 * The concert stage in three.js: the studio's model, each accessory's model attached to the node
 * its socket names, lit and framed. Loaded only by the stage view (a dynamic import), so three.js
 * never weighs on the first paint. It draws on demand (load, resize, drag), never in a loop.
 */

export interface StageScene {
  /** Node names of the stage model: the sockets an accessory can attach to. */
  sockets: string[];
  /** Accessories whose model did not load or whose socket the model lacks, as the card lists them. */
  problems: string[];
  dispose(): void;
}

const DEG = Math.PI / 180;
/** The accessory spec is Unreal's: centimetres, X forward, Y right, Z up, rotations in degrees. */
const CM = 0.01;

async function loadModel(model: ConcertStageModel): Promise<THREE.Object3D> {
  if (model.format === 'fbx') {
    const { FBXLoader } = await import('three/examples/jsm/loaders/FBXLoader.js');
    return new FBXLoader().loadAsync(model.url);
  }
  const gltf = await new GLTFLoader().loadAsync(model.url);
  return gltf.scene;
}

/** The node a socket names: exactly, else ignoring case; null when the model has none. */
function socketNode(root: THREE.Object3D, socketName: string): THREE.Object3D | null {
  const exact = root.getObjectByName(socketName);
  if (exact) return exact;
  const wanted = socketName.toLowerCase();
  let found: THREE.Object3D | null = null;
  root.traverse((node) => {
    if (!found && node.name.toLowerCase() === wanted) found = node;
  });
  return found;
}

/** Unreal's left-handed Z-up offset as three's right-handed Y-up one (a model faces +Z). */
function place(object: THREE.Object3D, a: ConcertStageAccessory): void {
  const { x, y, z } = a.relativeLocation;
  object.position.set(-y * CM, z * CM, x * CM);
  const { pitch, yaw, roll } = a.relativeRotation;
  object.rotation.set(pitch * DEG, -yaw * DEG, roll * DEG, 'YXZ');
}

function disposeTree(root: THREE.Object3D): void {
  root.traverse((node) => {
    const mesh = node as THREE.Mesh;
    mesh.geometry?.dispose();
    const materials = Array.isArray(mesh.material) ? mesh.material : mesh.material ? [mesh.material] : [];
    for (const material of materials) {
      for (const value of Object.values(material)) if (value instanceof THREE.Texture) value.dispose();
      material.dispose();
    }
  });
}

/** Draws `stage` on `canvas`; throws when WebGL is unavailable or the stage model cannot be loaded. */
export async function mountStage(canvas: HTMLCanvasElement, stage: ConcertStage): Promise<StageScene> {
  // preserveDrawingBuffer: the picture stays readable after it is drawn (screenshots, tests).
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0x14121c);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x2a2438, 2.2));
  const key = new THREE.DirectionalLight(0xffffff, 2.5);
  key.position.set(2, 4, 3);
  scene.add(key);

  let model: THREE.Object3D;
  try {
    model = await loadModel(stage.model);
  } catch (err) {
    renderer.dispose();
    renderer.forceContextLoss();
    throw err;
  }
  const stageRoot = new THREE.Group();
  stageRoot.add(model);
  scene.add(stageRoot);

  const sockets: string[] = [];
  model.traverse((node) => {
    if (node !== model && node.name) sockets.push(node.name);
  });

  const problems: string[] = [];
  await Promise.all(
    stage.accessories.map(async (a) => {
      if (!a.model) {
        problems.push(`${a.socketName}: its model is not in your 3D library`);
        return;
      }
      let object: THREE.Object3D;
      try {
        object = await loadModel(a.model);
      } catch {
        problems.push(`${a.socketName}: ${a.model.name} could not be loaded`);
        return;
      }
      const socket = socketNode(model, a.socketName);
      if (!socket) problems.push(`${a.socketName}: the stage model has no such socket, so it sits at the model's origin`);
      place(object, a);
      (socket ?? model).add(object);
    }),
  );

  // Frame everything: the camera looks at the middle from far enough to see it all.
  const box = new THREE.Box3().setFromObject(stageRoot);
  const size = box.getSize(new THREE.Vector3());
  const centre = box.getCenter(new THREE.Vector3());
  const radius = Math.max(size.length() / 2, 0.01);
  const camera = new THREE.PerspectiveCamera(40, 1, radius / 100, radius * 100);
  // A little farther than the bounding sphere needs, so the top of the model does not touch the edge.
  const distance = (1.15 * radius) / Math.sin((camera.fov * DEG) / 2);
  const floor = new THREE.Mesh(
    new THREE.CircleGeometry(radius * 1.2, 48),
    new THREE.MeshStandardMaterial({ color: 0x2c2740, roughness: 0.9 }),
  );
  floor.rotation.x = -Math.PI / 2;
  floor.position.y = box.min.y;
  scene.add(floor);

  let turn = 0.5;
  const draw = () => {
    const { clientWidth: w, clientHeight: h } = canvas;
    if (w === 0 || h === 0) return;
    renderer.setSize(w, h, false);
    camera.aspect = w / h;
    camera.position.set(centre.x + Math.sin(turn) * distance, centre.y + radius * 0.35, centre.z + Math.cos(turn) * distance);
    camera.lookAt(centre);
    camera.updateProjectionMatrix();
    renderer.render(scene, camera);
  };
  draw();

  // Drag to turn around the stage.
  let dragX: number | null = null;
  const down = (e: PointerEvent) => {
    dragX = e.clientX;
    canvas.setPointerCapture(e.pointerId);
  };
  const move = (e: PointerEvent) => {
    if (dragX === null) return;
    turn -= (e.clientX - dragX) * 0.01;
    dragX = e.clientX;
    draw();
  };
  const up = () => (dragX = null);
  canvas.addEventListener('pointerdown', down);
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerup', up);
  const resized = new ResizeObserver(draw);
  resized.observe(canvas);

  return {
    sockets,
    problems,
    dispose() {
      resized.disconnect();
      canvas.removeEventListener('pointerdown', down);
      canvas.removeEventListener('pointermove', move);
      canvas.removeEventListener('pointerup', up);
      disposeTree(scene);
      renderer.dispose();
      // Browsers keep only a few WebGL contexts: give this one back now, not at garbage collection.
      renderer.forceContextLoss();
    },
  };
}
