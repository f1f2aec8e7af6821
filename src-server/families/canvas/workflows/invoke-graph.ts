import { errors } from '../errors';
import { INVOKE_SCHEDULER_OF } from '../generate/samplers';

/**
 * InvokeAI workflows (the editor's v3 format: `{name, nodes:[{id, type:"invocation", data:{id, type,
 * inputs:{<field>:{name, value}}}}], edges:[{source, sourceHandle, target, targetHandle}]}`) read as
 * one request to this engine: text to image, image to image or upscaling.
 *
 * The graph is walked back from its one final image node, reading each parameter where InvokeAI
 * would take it (a field's own value, or the primitive node wired into it). Anything the engine
 * cannot do the way InvokeAI would is refused with `INVALID_PARAMETERS`, never left out.
 */

/** Node types this engine runs. Adding one: list it here and read it in `mapWorkflow` (see the README). */
export const SUPPORTED_NODE_TYPES = [
  'main_model_loader',
  'sdxl_model_loader',
  'vae_loader',
  'lora_loader',
  'sdxl_lora_loader',
  'controlnet',
  'canny_image_processor',
  'canny_edge_detection',
  'depth_anything_depth_estimation',
  'depth_anything_image_processor',
  'clip_skip',
  'compel',
  'sdxl_compel_prompt',
  'noise',
  'denoise_latents',
  'l2i',
  'i2l',
  'image',
  'img_resize',
  'esrgan',
  'spandrel_image_to_image',
  'rand_int',
  'string',
  'integer',
  'float',
  'boolean',
  'string_join',
  'integer_math',
  'float_to_int',
] as const;

const SUPPORTED = new Set<string>(SUPPORTED_NODE_TYPES);

/** InvokeAI scheduler names and the sampler (POST /generate/text-to-image's `sampler`) that runs each. */
export const INVOKE_SCHEDULERS: Record<string, string> = Object.fromEntries(
  Object.entries(INVOKE_SCHEDULER_OF).map(([sampler, invoke]) => [invoke, sampler]),
);

const LOADERS = ['main_model_loader', 'sdxl_model_loader'];
/** LoRA loaders sit between the model loader and what reads its unet/clip/clip2, each passing them on. */
const LORA_LOADERS = ['lora_loader', 'sdxl_lora_loader'];
const PROMPTS = ['compel', 'sdxl_compel_prompt'];
const UPSCALERS = ['esrgan', 'spandrel_image_to_image'];
/** Inputs of denoise_latents that bring in something the engine does not do. */
const DENOISE_EXTRAS: Record<string, string> = {
  ip_adapter: 'ip_adapter',
  t2i_adapter: 't2i_adapter',
  denoise_mask: 'inpainting',
};

export type LoaderType = 'main_model_loader' | 'sdxl_model_loader';

/** The request a workflow makes, before the caller's `inputs` replace any of it. */
export interface MappedWorkflow {
  mode: 'text_to_image' | 'image_to_image' | 'upscale';
  /** The loader's (or upscaler's) model name; null when the workflow leaves it unset. */
  model: string | null;
  /** Which loader named it, so an SD 1.x loader is not given an SDXL model or the other way round. */
  loader: LoaderType | null;
  prompt: string | null;
  negativePrompt: string | null;
  width: number | null;
  height: number | null;
  /** -1: a random seed (the noise seed comes from `rand_int`). */
  seed: number | null;
  steps: number | null;
  cfgScale: number | null;
  /** Our sampler name, or null when the workflow's scheduler has none (see `scheduler`). */
  sampler: string | null;
  /** The workflow's scheduler as InvokeAI names it, and the node that sets it. */
  scheduler: { value: string; nodeId: string } | null;
  strength: number | null;
  /** What the image node holds: a gallery image id when it names one of ours (`<uuid>.png`), else its `image_name`. */
  image: string | null;
  scale: 2 | 4 | null;
  /** A separately installed VAE a vae_loader names (null: the model's own, or an unset vae_loader, see `vaeNode`). */
  vae: string | null;
  /** The vae_loader node, when the workflow has one (its model may be unset: then `inputs.vae` must name one). */
  vaeNode: string | null;
  /** SDXL size conditioning as the positive sdxl_compel_prompt sets it (its fields' names); null for SD 1.x/2.x prompts. */
  sdxlSize: SdxlSizeFields | null;
  /** The node whose width/height the output size comes from (noise or img_resize), to name it when the size is refused. */
  sizeNode: string | null;
  /** The LoRAs the LoRA loaders on the unet path apply, nearest the model loader first. */
  loras: MappedLora[];
  /** The ControlNet wired into denoise_latents' control, if any. */
  control: MappedControl | null;
  /** An upscaler whose output the i2l node encodes (InvokeAI's "ESRGAN Upscaling with Canny ControlNet"): it runs first. */
  upscaleFirst: MappedUpscaler | null;
}

/** An esrgan/spandrel node: the upscaler model it names (null: unset) and the factor its file name carries. */
export interface MappedUpscaler {
  nodeId: string;
  nodeType: string;
  model: string | null;
  scale: 2 | 4 | null;
}

export interface SdxlSizeFields {
  original_width: number;
  original_height: number;
  crop_top: number;
  crop_left: number;
  target_width: number;
  target_height: number;
}

/** sdxl_compel_prompt's size fields and InvokeAI's defaults for them. */
const SDXL_SIZE_DEFAULTS: SdxlSizeFields = {
  original_width: 1024,
  original_height: 1024,
  crop_top: 0,
  crop_left: 0,
  target_width: 1024,
  target_height: 1024,
};

interface Field {
  name?: unknown;
  value?: unknown;
}

interface GraphNode {
  id: string;
  type: string;
  inputs: Record<string, Field>;
}

interface Link {
  node: GraphNode;
  handle: string;
}

const invalid = (message: string, details?: Record<string, unknown>) => errors.error('INVALID_PARAMETERS', message, details);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const RANDOM = Symbol('random');
type Literal = string | number | boolean | null | typeof RANDOM | Record<string, unknown>;

const UUID_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\.(png|jpe?g|webp))?$/i;

/** A gallery image id when `image_name` is one (InvokeAI names images `<uuid>.png`). */
export function galleryIdOf(imageName: string): string | null {
  const m = UUID_FILE.exec(imageName);
  return m ? m[1]!.toLowerCase() : null;
}

/** Invocation types in a node list that the engine does not run, read leniently (older formats too). */
function unsupportedTypes(nodes: unknown[]): string[] {
  const types = new Set<string>();
  for (const n of nodes) {
    if (!isObject(n) || n.type === 'notes') continue;
    const type = isObject(n.data) ? n.data.type : undefined;
    if (typeof type === 'string' && !SUPPORTED.has(type)) types.add(type);
  }
  return [...types].sort();
}

/** Nodes and edges, checked for the shape the InvokeAI editor saves. */
class Graph {
  readonly nodes = new Map<string, GraphNode>();
  /** target node id → target field → where its value comes from. */
  private readonly incoming = new Map<string, Map<string, Link>>();
  private readonly consumed = new Set<string>();

  constructor(definition: unknown) {
    if (!isObject(definition)) throw invalid('The workflow definition must be a JSON object');
    const meta = definition.meta;
    if (isObject(meta) && typeof meta.version === 'string' && !meta.version.startsWith('3.')) {
      // Name the nodes that could never run too, so re-saving the file in InvokeAI is not the first step of two.
      const never = Array.isArray(definition.nodes) ? unsupportedTypes(definition.nodes) : [];
      throw invalid(
        `This workflow is in InvokeAI's format ${meta.version}; version 3 (InvokeAI 4 and later) is read. Open and save it in a current InvokeAI first` +
          (never.length ? `. Even then, these node types do not run here: ${never.join(', ')}` : ''),
        { field: 'definition.meta.version', ...(never.length ? { unsupported_node_types: never } : {}) },
      );
    }
    const { nodes, edges } = definition;
    if (!Array.isArray(nodes) || !Array.isArray(edges))
      throw invalid('The workflow definition needs `nodes` and `edges` arrays (InvokeAI workflow format)', { field: 'definition' });
    const unsupported = new Set<string>();
    nodes.forEach((n, i) => {
      if (!isObject(n) || typeof n.id !== 'string')
        throw invalid(`definition.nodes[${i}] is not a workflow node (an object with an id)`, { field: `definition.nodes[${i}]` });
      // Notes nodes are comments on the canvas: they take no part in the graph.
      if (n.type === 'notes') return;
      const data = n.data;
      if (
        n.type !== 'invocation' ||
        !isObject(data) ||
        typeof data.type !== 'string' ||
        (data.inputs !== undefined && !isObject(data.inputs))
      ) {
        throw invalid(`definition.nodes[${i}] is not an InvokeAI invocation node ({id, type: "invocation", data: {type, inputs}})`, {
          field: `definition.nodes[${i}]`,
        });
      }
      if (!SUPPORTED.has(data.type)) unsupported.add(data.type);
      this.nodes.set(n.id, { id: n.id, type: data.type, inputs: (data.inputs ?? {}) as Record<string, Field> });
    });
    if (unsupported.size > 0) {
      const types = [...unsupported].sort();
      throw invalid(`This workflow uses node types the local engine does not run: ${types.join(', ')}`, {
        unsupported_node_types: types,
        supported_node_types: [...SUPPORTED_NODE_TYPES],
      });
    }
    edges.forEach((e, i) => {
      if (!isObject(e) || typeof e.source !== 'string' || typeof e.target !== 'string')
        throw invalid(`definition.edges[${i}] is not an edge ({source, target, ...})`, { field: `definition.edges[${i}]` });
      // Collapsed edges only draw a folded node's links; the real edges are listed as well.
      if (e.type === 'collapsed') return;
      if (typeof e.sourceHandle !== 'string' || typeof e.targetHandle !== 'string')
        throw invalid(`definition.edges[${i}] has no sourceHandle/targetHandle`, { field: `definition.edges[${i}]` });
      const source = this.nodes.get(e.source);
      const target = this.nodes.get(e.target);
      if (!source || !target)
        throw invalid(`definition.edges[${i}] joins a node that is not in the workflow (${source ? e.target : e.source})`, {
          field: `definition.edges[${i}]`,
        });
      const into = this.incoming.get(target.id) ?? new Map<string, Link>();
      if (into.has(e.targetHandle))
        throw invalid(`Input "${e.targetHandle}" of node ${target.id} (${target.type}) has several edges into it`, {
          node_id: target.id,
          field: e.targetHandle,
        });
      into.set(e.targetHandle, { node: source, handle: e.sourceHandle });
      this.incoming.set(target.id, into);
      this.consumed.add(source.id);
    });
  }

  /** Nodes whose output goes nowhere: where the graph ends. */
  ends(): GraphNode[] {
    return [...this.nodes.values()].filter((n) => !this.consumed.has(n.id));
  }

  link(node: GraphNode, field: string): Link | null {
    return this.incoming.get(node.id)?.get(field) ?? null;
  }

  /** The node wired into `field`, which must be one of `types`; null when nothing is. */
  from(node: GraphNode, field: string, types: readonly string[]): GraphNode | null {
    const link = this.link(node, field);
    if (!link) return null;
    if (!types.includes(link.node.type)) {
      throw invalid(
        `Input "${field}" of node ${node.id} (${node.type}) comes from a ${link.node.type} node; the engine reads it from ${types.join(' or ')}`,
        {
          node_id: node.id,
          field,
          from: link.node.type,
          expected: [...types],
        },
      );
    }
    return link.node;
  }

  required(node: GraphNode, field: string, types: readonly string[]): GraphNode {
    const found = this.from(node, field, types);
    if (!found)
      throw invalid(`Input "${field}" of node ${node.id} (${node.type}) is not connected; it needs a ${types.join(' or ')} node`, {
        node_id: node.id,
        field,
      });
    return found;
  }

  /** A field's value: its own, or what the primitive node wired into it gives. */
  value(node: GraphNode, field: string, depth = 0): Literal | undefined {
    const link = this.link(node, field);
    if (!link) return node.inputs[field]?.value as Literal | undefined;
    if (depth > 32) throw invalid("The workflow's values form a cycle", { node_id: node.id, field });
    const src = link.node;
    switch (src.type) {
      case 'string':
      case 'integer':
      case 'float':
      case 'boolean':
        return this.value(src, 'value', depth + 1);
      case 'rand_int':
        return RANDOM;
      case 'integer_math':
        return integerMath(this, src, depth + 1);
      case 'float_to_int':
        return floatToInt(this, src, depth + 1);
      case 'string_join': {
        const left = this.value(src, 'string_left', depth + 1) ?? '';
        const right = this.value(src, 'string_right', depth + 1) ?? '';
        if (typeof left !== 'string' || typeof right !== 'string')
          throw invalid(`string_join node ${src.id} joins something that is not text`, { node_id: src.id });
        return left + right;
      }
      default:
        throw invalid(
          `Input "${field}" of node ${node.id} (${node.type}) is wired to a ${src.type} node, which gives no value the engine reads there`,
          { node_id: node.id, field, from: src.type },
        );
    }
  }

  number(node: GraphNode, field: string): number | null {
    const v = this.value(node, field);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw invalid(`Field "${field}" of node ${node.id} (${node.type}) must be a number`, { node_id: node.id, field });
    return v;
  }

  text(node: GraphNode, field: string): string | null {
    const v = this.value(node, field);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string')
      throw invalid(`Field "${field}" of node ${node.id} (${node.type}) must be text`, { node_id: node.id, field });
    return v;
  }
}

const numberIn = (graph: Graph, node: GraphNode, field: string, depth: number): number => {
  const v = graph.value(node, field, depth);
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw invalid(`Field "${field}" of ${node.type} node ${node.id} must be a number`, { node_id: node.id, field });
  return v;
};

/** InvokeAI's integer_math, on values known before the run. */
function integerMath(graph: Graph, node: GraphNode, depth: number): number {
  const op = graph.value(node, 'operation', depth) ?? 'ADD';
  const a = numberIn(graph, node, 'a', depth);
  const b = numberIn(graph, node, 'b', depth);
  const ops: Record<string, () => number> = {
    ADD: () => a + b,
    SUB: () => a - b,
    MUL: () => a * b,
    DIV: () => Math.trunc(a / b),
    EXP: () => a ** b,
    MOD: () => a % b,
    ABS: () => Math.abs(a),
    MIN: () => Math.min(a, b),
    MAX: () => Math.max(a, b),
  };
  const run = typeof op === 'string' ? ops[op] : undefined;
  if (!run) throw invalid(`integer_math node ${node.id} has no operation "${String(op)}"`, { node_id: node.id, field: 'operation' });
  if ((op === 'DIV' || op === 'MOD') && b === 0)
    throw invalid(`integer_math node ${node.id} divides by 0`, { node_id: node.id, field: 'b' });
  return run();
}

/** InvokeAI's float_to_int: to a multiple of `multiple`, by its rounding method. */
function floatToInt(graph: Graph, node: GraphNode, depth: number): number {
  const v = numberIn(graph, node, 'value', depth);
  const multiple = graph.value(node, 'multiple', depth) ?? 8;
  if (typeof multiple !== 'number' || !Number.isInteger(multiple) || multiple < 1)
    throw invalid(`Field "multiple" of float_to_int node ${node.id} must be a whole number ≥ 1`, { node_id: node.id, field: 'multiple' });
  const method = graph.value(node, 'method', depth) ?? 'Nearest';
  const round: Record<string, (x: number) => number> = { Nearest: Math.round, Floor: Math.floor, Ceiling: Math.ceil, Truncate: Math.trunc };
  const fn = typeof method === 'string' ? round[method] : undefined;
  if (!fn) throw invalid(`float_to_int node ${node.id} has no method "${String(method)}"`, { node_id: node.id, field: 'method' });
  return fn(v / multiple) * multiple;
}

/** A model field: InvokeAI stores `{key, hash, name, base, type}`; older files a bare name. */
function modelName(graph: Graph, node: GraphNode, field: string): string | null {
  const v = graph.value(node, field);
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') return v;
  if (isObject(v)) {
    if (typeof v.name === 'string' && v.name) return v.name;
    if (typeof v.key === 'string' && v.key) return v.key;
    if (typeof v.model_name === 'string' && v.model_name) return v.model_name;
  }
  throw invalid(`Field "${field}" of node ${node.id} (${node.type}) does not name a model`, { node_id: node.id, field });
}

/** Follows a `clip`/`vae`/`unet` link back to the model loader, through clip_skip with nothing skipped. */
function loaderOf(graph: Graph, node: GraphNode, field: string, loader: GraphNode): void {
  let from = throughLoras(graph, graph.required(node, field, [...LOADERS, ...LORA_LOADERS, 'clip_skip']), field, null);
  if (from.type === 'clip_skip') {
    const skipped = graph.number(from, 'skipped_layers') ?? 0;
    if (skipped !== 0)
      throw invalid(
        `CLIP skip (node ${from.id}, skipped_layers ${skipped}) is not supported by the local engine; set it to 0 or remove the node`,
        { node_id: from.id, field: 'skipped_layers', feature: 'clip_skip' },
      );
    from = throughLoras(graph, graph.required(from, 'clip', [...LOADERS, ...LORA_LOADERS]), 'clip', null);
  }
  if (from.id !== loader.id)
    throw invalid(
      `Node ${node.id} (${node.type}) takes its ${field} from another model loader than the denoiser; the engine runs one model`,
      { node_id: node.id, field },
    );
}

/** The ControlNet a workflow's controlnet node applies, and its image (through a canny node or not). */
export interface MappedControl {
  nodeId: string;
  model: string | null;
  weight: number;
  begin: number;
  end: number;
  /** A gallery image id (or InvokeAI image name) the control image comes from; null: unset. */
  image: string | null;
  preprocessor: 'none' | 'canny' | 'depth';
  lowThreshold: number;
  highThreshold: number;
  /** The control image is the upscaler's output, the same image the i2l node encodes (see `upscaleFirst`). */
  fromUpscaled: boolean;
}

const CANNY = ['canny_image_processor', 'canny_edge_detection'];
/** Depth Anything nodes (InvokeAI 5's and 4's); the installed depth model runs whatever `model_size` they name. */
const DEPTH = ['depth_anything_depth_estimation', 'depth_anything_image_processor'];
const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** denoise_latents' `control`: one controlnet node, its image straight or through canny, maybe the upscaler's output. */
function controlOf(graph: Graph, denoise: GraphNode, upscaler: GraphNode | null): MappedControl | null {
  const node = graph.from(denoise, 'control', ['controlnet']);
  if (!node) return null;
  const mode = graph.text(node, 'control_mode') ?? 'balanced';
  if (mode !== 'balanced')
    throw invalid(`control_mode "${mode}" (node ${node.id}) is not supported; the engine runs ControlNets "balanced"`, {
      node_id: node.id,
      field: 'control_mode',
    });
  const resize = graph.text(node, 'resize_mode') ?? 'just_resize';
  if (resize !== 'just_resize')
    throw invalid(
      `resize_mode "${resize}" (node ${node.id}) is not supported; the control image is resized to the output ("just_resize")`,
      {
        node_id: node.id,
        field: 'resize_mode',
      },
    );
  const from = graph.required(node, 'image', ['image', ...CANNY, ...DEPTH, ...UPSCALERS]);
  const pre = CANNY.includes(from.type) || DEPTH.includes(from.type) ? from : null;
  const canny = pre && CANNY.includes(pre.type) ? pre : null;
  const direct = pre ? graph.required(pre, 'image', ['image', ...UPSCALERS]) : from;
  let image: string | null = null;
  if (UPSCALERS.includes(direct.type)) {
    // One upscale feeds both, as in InvokeAI's upscaling workflow; a second upscaler would be a second run.
    if (direct.id !== upscaler?.id)
      throw invalid(
        `The control image comes from upscaler node ${direct.id}, which is not the one whose output the i2l node encodes; the engine upscales once, for both`,
        { node_id: direct.id, field: 'image' },
      );
  } else image = imageOf(graph, pre ?? node, 'image', false).image;
  return {
    nodeId: node.id,
    model: modelName(graph, node, 'control_model'),
    weight: graph.number(node, 'control_weight') ?? 1,
    begin: graph.number(node, 'begin_step_percent') ?? 0,
    end: graph.number(node, 'end_step_percent') ?? 1,
    image,
    preprocessor: canny ? 'canny' : pre ? 'depth' : 'none',
    lowThreshold: canny ? (graph.number(canny, 'low_threshold') ?? 100) : 100,
    highThreshold: canny ? (graph.number(canny, 'high_threshold') ?? 200) : 200,
    fromUpscaled: image === null && UPSCALERS.includes(direct.type),
  };
}

/** One LoRA a workflow applies: its lora_loader node, the model it names (null: unset) and its weight. */
export interface MappedLora {
  nodeId: string;
  name: string | null;
  weight: number;
}

/**
 * Walks a unet/clip/clip2 link back through LoRA loaders to what feeds them, collecting each LoRA
 * (outermost first) into `found` when given.
 */
function throughLoras(graph: Graph, from: GraphNode, field: string, found: MappedLora[] | null): GraphNode {
  let node = from;
  for (let depth = 0; LORA_LOADERS.includes(node.type); depth++) {
    if (depth > 64) throw invalid('The LoRA loaders form a cycle', { node_id: node.id });
    if (field === 'clip2' && node.type === 'lora_loader')
      throw invalid(`lora_loader node ${node.id} has no clip2; SDXL workflows use sdxl_lora_loader`, { node_id: node.id, field });
    found?.push({ nodeId: node.id, name: modelName(graph, node, 'lora'), weight: graph.number(node, 'weight') ?? 0.75 });
    node = graph.required(node, field, [...LOADERS, ...LORA_LOADERS, 'clip_skip']);
  }
  return node;
}

/** An sdxl_compel_prompt's size conditioning, with InvokeAI's defaults for fields the file leaves out. */
function sdxlSizeOf(graph: Graph, node: GraphNode): SdxlSizeFields {
  const out = { ...SDXL_SIZE_DEFAULTS };
  for (const key of Object.keys(out) as (keyof SdxlSizeFields)[]) {
    const v = graph.number(node, key);
    if (v === null) continue;
    if (!Number.isInteger(v) || v < 0)
      throw invalid(`Field "${key}" of node ${node.id} (sdxl_compel_prompt) must be a whole number ≥ 0`, { node_id: node.id, field: key });
    out[key] = v;
  }
  return out;
}

/** The text a prompt node encodes. */
function promptOf(graph: Graph, node: GraphNode, loader: GraphNode): string {
  loaderOf(graph, node, 'clip', loader);
  const prompt = graph.text(node, 'prompt') ?? '';
  if (node.type === 'sdxl_compel_prompt') {
    loaderOf(graph, node, 'clip2', loader);
    // The engine feeds one prompt to both SDXL text encoders; a separate style prompt would be lost.
    const style = graph.text(node, 'style') ?? '';
    if (style !== '' && style !== prompt) {
      throw invalid(
        `A style prompt different from the prompt (node ${node.id}) is not supported; the engine gives both SDXL text encoders the prompt`,
        { node_id: node.id, field: 'style', feature: 'sdxl_style_prompt' },
      );
    }
  }
  return prompt;
}

/**
 * The image a node reads: an image node, maybe through img_resize (whose size then sets the output's)
 * or, for i2l, through an upscaler that runs first.
 */
function imageOf(
  graph: Graph,
  node: GraphNode,
  field: string,
  allowResize: boolean,
  allowUpscaler = false,
): { image: string | null; width: number | null; height: number | null; node: string; upscaler: GraphNode | null } {
  const src = graph.required(node, field, ['image', ...(allowResize ? ['img_resize'] : []), ...(allowUpscaler ? UPSCALERS : [])]);
  let width: number | null = null;
  let height: number | null = null;
  let imageNode = src;
  if (UPSCALERS.includes(src.type)) {
    if (graph.link(src, 'image')?.node.type === 'l2i')
      throw invalid(
        `Upscaling a generated image in the same run (node ${src.id}) is not supported; generate first, then run a workflow on the result`,
        { node_id: src.id, field: 'image' },
      );
    imageNode = graph.required(src, 'image', ['image']);
  } else if (src.type === 'img_resize') {
    width = graph.number(src, 'width');
    height = graph.number(src, 'height');
    imageNode = graph.required(src, 'image', ['image']);
  }
  const v = graph.value(imageNode, 'image');
  let name: string | null = null;
  if (isObject(v) && typeof v.image_name === 'string' && v.image_name) name = v.image_name;
  else if (v !== undefined && v !== null)
    throw invalid(`Field "image" of node ${imageNode.id} (image) must be {image_name}`, { node_id: imageNode.id, field: 'image' });
  return {
    image: name === null ? null : (galleryIdOf(name) ?? name),
    width,
    height,
    node: src.id,
    upscaler: UPSCALERS.includes(src.type) ? src : null,
  };
}

/**
 * Where a node's `vae` comes from: the model loader (the model's own VAE) or a vae_loader (InvokeAI's
 * default SDXL workflow decodes with one). Null for the model's own.
 */
function vaeSource(graph: Graph, node: GraphNode, loader: GraphNode): GraphNode | null {
  const link = graph.link(node, 'vae');
  if (link?.node.type === 'vae_loader') return link.node;
  loaderOf(graph, node, 'vae', loader);
  return null;
}

function diffusionOf(graph: Graph, l2i: GraphNode): MappedWorkflow {
  const denoise = graph.required(l2i, 'latents', ['denoise_latents']);
  const loras: MappedLora[] = [];
  const loader = throughLoras(graph, graph.required(denoise, 'unet', [...LOADERS, ...LORA_LOADERS]), 'unet', loras);
  if (!LOADERS.includes(loader.type))
    throw invalid(`Input "unet" of the LoRA chain ends at a ${loader.type} node; it needs a model loader`, {
      node_id: loader.id,
      field: 'unet',
    });
  const vaeLoader = vaeSource(graph, l2i, loader);
  for (const [field, feature] of Object.entries(DENOISE_EXTRAS)) {
    const link = graph.link(denoise, field);
    if (link)
      throw invalid(`${field} on denoise_latents (node ${denoise.id}) is not supported by the local engine`, {
        node_id: denoise.id,
        field,
        feature,
      });
  }
  const positive = graph.required(denoise, 'positive_conditioning', PROMPTS);
  const negative = graph.from(denoise, 'negative_conditioning', PROMPTS);
  const noise = graph.from(denoise, 'noise', ['noise']);
  const latents = graph.from(denoise, 'latents', ['i2l']);
  if (!noise && !latents)
    throw invalid(`denoise_latents (node ${denoise.id}) needs a noise node (or latents from i2l)`, { node_id: denoise.id, field: 'noise' });

  const start = graph.number(denoise, 'denoising_start') ?? 0;
  const end = graph.number(denoise, 'denoising_end') ?? 1;
  if (end !== 1)
    throw invalid(`denoising_end ${end} (node ${denoise.id}) is not supported; the engine denoises to the end (1)`, {
      node_id: denoise.id,
      field: 'denoising_end',
    });
  const rescale = graph.number(denoise, 'cfg_rescale_multiplier') ?? 0;
  if (rescale !== 0)
    throw invalid(`cfg_rescale_multiplier (node ${denoise.id}) is not supported; set it to 0`, {
      node_id: denoise.id,
      field: 'cfg_rescale_multiplier',
    });

  let seed: number | null = null;
  let width: number | null = null;
  let height: number | null = null;
  if (noise) {
    const s = graph.value(noise, 'seed');
    if (s === RANDOM) seed = -1;
    else if (s !== undefined && s !== null) {
      if (typeof s !== 'number')
        throw invalid(`Field "seed" of node ${noise.id} (noise) must be a number`, { node_id: noise.id, field: 'seed' });
      seed = s;
    }
    width = noiseSide(graph, noise, 'width', latents);
    height = noiseSide(graph, noise, 'height', latents);
  }
  let sizeNode: string | null = noise && (width !== null || height !== null) ? noise.id : null;

  let image: string | null = null;
  let strength: number | null = null;
  let upscaler: GraphNode | null = null;
  if (latents) {
    // Encoding and decoding with two different VAEs would not give back the image: one VAE for both.
    const encoder = vaeSource(graph, latents, loader);
    if (encoder?.id !== vaeLoader?.id) {
      throw invalid(
        `i2l (node ${latents.id}) and l2i (node ${l2i.id}) take their VAE from different nodes; the engine encodes and decodes with one VAE`,
        { node_id: latents.id, field: 'vae' },
      );
    }
    const src = imageOf(graph, latents, 'image', true, true);
    image = src.image;
    upscaler = src.upscaler;
    // The resized source sets the latent size, which a noise node must match anyway.
    if (src.width !== null || src.height !== null) sizeNode = src.node;
    width = src.width ?? width;
    height = src.height ?? height;
    if (start < 0 || start >= 1)
      throw invalid(
        `denoising_start ${start} (node ${denoise.id}) must be from 0 to below 1 when starting from an image (strength = 1 - denoising_start)`,
        { node_id: denoise.id, field: 'denoising_start' },
      );
    strength = Math.round((1 - start) * 1e6) / 1e6;
  } else if (start !== 0) {
    throw invalid(`denoising_start ${start} (node ${denoise.id}) needs latents from an image (i2l); without one it must be 0`, {
      node_id: denoise.id,
      field: 'denoising_start',
    });
  }

  let sdxlSize: SdxlSizeFields | null = null;
  if (positive.type === 'sdxl_compel_prompt') {
    sdxlSize = sdxlSizeOf(graph, positive);
    if (negative?.type === 'sdxl_compel_prompt') {
      const other = sdxlSizeOf(graph, negative);
      const differ = (Object.keys(other) as (keyof SdxlSizeFields)[]).filter((k) => other[k] !== sdxlSize![k]);
      if (differ.length) {
        throw invalid(
          `The negative prompt (node ${negative.id}) conditions on another size than the positive one (${differ.join(', ')}); the engine conditions both on one size`,
          {
            node_id: negative.id,
            field: differ[0],
            feature: 'sdxl_negative_size',
          },
        );
      }
    }
  }

  const schedulerName = graph.text(denoise, 'scheduler');
  const cfg = graph.value(denoise, 'cfg_scale');
  if (Array.isArray(cfg))
    throw invalid(`A cfg_scale per step (node ${denoise.id}) is not supported; give one number`, {
      node_id: denoise.id,
      field: 'cfg_scale',
    });
  return {
    mode: latents ? 'image_to_image' : 'text_to_image',
    model: modelName(graph, loader, 'model'),
    loader: loader.type as LoaderType,
    prompt: promptOf(graph, positive, loader),
    negativePrompt: negative ? promptOf(graph, negative, loader) : null,
    width,
    height,
    seed,
    steps: graph.number(denoise, 'steps'),
    cfgScale: graph.number(denoise, 'cfg_scale'),
    sampler: schedulerName === null ? null : (INVOKE_SCHEDULERS[schedulerName] ?? null),
    scheduler: schedulerName === null ? null : { value: schedulerName, nodeId: denoise.id },
    strength,
    image,
    scale: null,
    vae: vaeLoader ? modelName(graph, vaeLoader, 'vae_model') : null,
    vaeNode: vaeLoader?.id ?? null,
    sdxlSize,
    sizeNode,
    loras: loras.reverse(),
    control: controlOf(graph, denoise, upscaler),
    upscaleFirst: upscaler ? upscalerOf(graph, upscaler) : null,
  };
}

function upscalerOf(graph: Graph, node: GraphNode): MappedUpscaler {
  if (node.type !== 'esrgan')
    return { nodeId: node.id, nodeType: node.type, model: modelName(graph, node, 'image_to_image_model'), scale: null };
  const file = graph.text(node, 'model_name');
  // esrgan enlarges by its network's factor, which InvokeAI's model file names carry (RealESRGAN_x2plus.pth).
  const factor = file ? /x([24])/i.exec(file)?.[1] : undefined;
  return {
    nodeId: node.id,
    nodeType: node.type,
    model: file ? file.replace(/\.(pth|pt|safetensors|onnx)$/i, '') : null,
    scale: factor === '2' ? 2 : factor === '4' ? 4 : null,
  };
}

/**
 * A noise node's width or height: its own, or — InvokeAI's image-to-image wiring — taken from the
 * i2l node that encodes the source (null: the source image's size).
 */
function noiseSide(graph: Graph, noise: GraphNode, field: 'width' | 'height', latents: GraphNode | null): number | null {
  const link = graph.link(noise, field);
  if (link?.node.type !== 'i2l') return graph.number(noise, field);
  if (!latents || link.node.id !== latents.id) {
    throw invalid(
      `Field "${field}" of noise node ${noise.id} comes from i2l node ${link.node.id}, which is not the image the denoiser starts from`,
      { node_id: noise.id, field },
    );
  }
  return null;
}

function upscaleOf(graph: Graph, node: GraphNode): MappedWorkflow {
  const link = graph.link(node, 'image');
  if (link && link.node.type === 'l2i') {
    throw invalid(
      `Upscaling a generated image in the same run (node ${node.id}) is not supported; generate first, then run an upscale workflow on the result`,
      { node_id: node.id, field: 'image' },
    );
  }
  const src = imageOf(graph, node, 'image', false);
  const { model, scale } = upscalerOf(graph, node);
  return {
    mode: 'upscale',
    model,
    loader: null,
    prompt: null,
    negativePrompt: null,
    width: null,
    height: null,
    seed: null,
    steps: null,
    cfgScale: null,
    sampler: null,
    scheduler: null,
    strength: null,
    image: src.image,
    scale,
    vae: null,
    vaeNode: null,
    sdxlSize: null,
    sizeNode: null,
    loras: [],
    control: null,
    upscaleFirst: null,
  };
}

/** Reads an InvokeAI workflow as one request to the engine, or refuses it with `INVALID_PARAMETERS`. */
export function mapWorkflow(definition: unknown): MappedWorkflow {
  const graph = new Graph(definition);
  const ends = graph.ends().filter((n) => n.type === 'l2i' || n.type === 'img_resize' || UPSCALERS.includes(n.type));
  if (ends.length === 0)
    throw invalid(
      'The workflow makes no image: it needs a final l2i (latents to image) or upscaler (esrgan, spandrel_image_to_image) node',
      { field: 'definition.nodes' },
    );
  if (ends.length > 1) {
    throw invalid(
      `The workflow ends in ${ends.length} images (nodes ${ends.map((n) => n.id).join(', ')}); the engine runs workflows with one output`,
      { node_ids: ends.map((n) => n.id) },
    );
  }
  const end = ends[0]!;
  if (end.type === 'img_resize')
    throw invalid(`Resizing the final image (node ${end.id}) is not supported; set the size on the noise node instead`, {
      node_id: end.id,
    });
  return end.type === 'l2i' ? diffusionOf(graph, end) : upscaleOf(graph, end);
}

/** The caller's `inputs` to POST /generate/workflow. */
export interface WorkflowInputs {
  prompt?: string;
  negative_prompt?: string;
  model?: string;
  seed?: number;
  steps?: number;
  cfg_scale?: number;
  sampler?: string;
  width?: number;
  height?: number;
  strength?: number;
  batch_size?: number;
  image_id?: string;
  control_image_id?: string;
  /** Replaces the controlnet node's control_model (its name from InvokeAI's own install). */
  control_model?: string;
  scale?: 2 | 4;
  /** The installed upscaler an esrgan/spandrel node feeding i2l runs (its own model name is InvokeAI's file name). */
  upscaler?: string;
  save_to_board?: string;
  vae?: string;
  original_width?: number;
  original_height?: number;
  crop_top?: number;
  crop_left?: number;
  target_width?: number;
  target_height?: number;
}

/** Inputs that make sense only for some modes. */
const INPUT_MODES: Record<keyof WorkflowInputs, MappedWorkflow['mode'][]> = {
  prompt: ['text_to_image', 'image_to_image'],
  negative_prompt: ['text_to_image', 'image_to_image'],
  model: ['text_to_image', 'image_to_image', 'upscale'],
  seed: ['text_to_image', 'image_to_image'],
  steps: ['text_to_image', 'image_to_image'],
  cfg_scale: ['text_to_image', 'image_to_image'],
  sampler: ['text_to_image', 'image_to_image'],
  width: ['text_to_image', 'image_to_image'],
  height: ['text_to_image', 'image_to_image'],
  control_image_id: ['text_to_image', 'image_to_image'],
  control_model: ['text_to_image', 'image_to_image'],
  strength: ['image_to_image'],
  batch_size: ['text_to_image', 'image_to_image'],
  image_id: ['image_to_image', 'upscale'],
  scale: ['upscale', 'image_to_image'],
  upscaler: ['image_to_image'],
  save_to_board: ['text_to_image', 'image_to_image', 'upscale'],
  vae: ['text_to_image', 'image_to_image'],
  original_width: ['text_to_image', 'image_to_image'],
  original_height: ['text_to_image', 'image_to_image'],
  crop_top: ['text_to_image', 'image_to_image'],
  crop_left: ['text_to_image', 'image_to_image'],
  target_width: ['text_to_image', 'image_to_image'],
  target_height: ['text_to_image', 'image_to_image'],
};

export const MODE_NAMES: Record<MappedWorkflow['mode'], string> = {
  text_to_image: 'text to image',
  image_to_image: 'image to image',
  upscale: 'upscaling',
};

/** An upscale a workflow runs on its source before i2l. */
export interface UpscaleFirst {
  nodeId: string;
  nodeType: string;
  /** Unset: the default upscaler. */
  model?: string;
  scale: 2 | 4;
  /** The ControlNet's image is the upscaled source too (before its canny node, if any). */
  control: boolean;
}

/** A body for POST /generate/{text-to-image,image-to-image,upscale}, as the workflow and the inputs make it. */
export interface WorkflowRequest {
  mode: MappedWorkflow['mode'];
  loader: LoaderType | null;
  body: Record<string, unknown>;
  /** An upscale the source image goes through before i2l (and the ControlNet, when wired so); its model unset: the default upscaler. */
  upscaleFirst?: UpscaleFirst;
}

/**
 * Lays the caller's inputs over what the workflow sets: the result is the body of the matching
 * generate route, which the caller checks with that route's own schema and builder.
 */
export function workflowRequest(mapped: MappedWorkflow, inputs: WorkflowInputs): WorkflowRequest {
  for (const key of Object.keys(inputs) as (keyof WorkflowInputs)[]) {
    const modes = INPUT_MODES[key];
    if (modes && !modes.includes(mapped.mode)) {
      throw invalid(`inputs.${key} does not apply to this workflow, which does ${MODE_NAMES[mapped.mode]}`, {
        field: `inputs.${key}`,
        mode: mapped.mode,
      });
    }
  }
  const model = inputs.model ?? mapped.model;
  if (model === null) {
    throw invalid("The workflow's model field is empty; name a model in inputs.model (GET /models lists them)", { field: 'inputs.model' });
  }
  const set = (out: Record<string, unknown>, key: string, value: unknown) => {
    if (value !== null && value !== undefined) out[key] = value;
  };
  const body: Record<string, unknown> = {};
  if (mapped.mode === 'upscale') {
    const image = inputs.image_id ?? mapped.image;
    if (image === null || (inputs.image_id === undefined && galleryIdOf(image) === null)) {
      throw invalid(
        `The workflow's image node ${image === null ? 'holds no image' : `names "${image}", which is not an image id of your gallery`}; pass inputs.image_id`,
        { field: 'inputs.image_id' },
      );
    }
    set(body, 'image', image);
    set(body, 'scale', inputs.scale ?? mapped.scale);
    set(body, 'model', model);
    set(body, 'save_to_board', inputs.save_to_board);
    return { mode: mapped.mode, loader: null, body };
  }
  if (inputs.sampler === undefined && mapped.scheduler && mapped.sampler === null) {
    throw invalid(
      `The scheduler "${mapped.scheduler.value}" (node ${mapped.scheduler.nodeId}) is not one the engine runs; use ${Object.keys(INVOKE_SCHEDULERS).join(', ')}, or pass inputs.sampler`,
      {
        node_id: mapped.scheduler.nodeId,
        field: 'scheduler',
        value: mapped.scheduler.value,
        supported: Object.keys(INVOKE_SCHEDULERS),
      },
    );
  }
  set(body, 'prompt', inputs.prompt ?? mapped.prompt);
  set(body, 'negative_prompt', inputs.negative_prompt ?? mapped.negativePrompt);
  set(body, 'model', model);
  set(body, 'width', inputs.width ?? mapped.width);
  set(body, 'height', inputs.height ?? mapped.height);
  set(body, 'steps', inputs.steps ?? mapped.steps);
  set(body, 'cfg_scale', inputs.cfg_scale ?? mapped.cfgScale);
  set(body, 'sampler', inputs.sampler ?? mapped.sampler);
  set(body, 'seed', inputs.seed ?? mapped.seed);
  set(body, 'batch_size', inputs.batch_size);
  set(body, 'save_to_board', inputs.save_to_board);
  const vae = inputs.vae ?? mapped.vae;
  if (mapped.vaeNode !== null && vae === null) {
    throw invalid(
      `The workflow decodes with a vae_loader (node ${mapped.vaeNode}) that names no VAE; choose one in the workflow or pass inputs.vae (GET /models?type=vae lists them)`,
      { node_id: mapped.vaeNode, field: 'inputs.vae' },
    );
  }
  set(body, 'vae', vae);
  const unnamed = mapped.loras.find((l) => l.name === null);
  if (unnamed)
    throw invalid(`LoRA loader node ${unnamed.nodeId} names no LoRA; choose one in the workflow (GET /models?type=lora lists them)`, {
      node_id: unnamed.nodeId,
      field: 'lora',
    });
  if (mapped.loras.length)
    set(
      body,
      'loras',
      mapped.loras.map((l) => ({ name: l.name!, weight: l.weight })),
    );
  const up = mapped.upscaleFirst;
  for (const key of ['upscaler', 'scale'] as const) {
    if (mapped.mode === 'image_to_image' && inputs[key] !== undefined && !up)
      throw invalid(`inputs.${key} applies to a workflow that upscales its source image before i2l; this one does not`, {
        field: `inputs.${key}`,
      });
  }
  const c = mapped.control;
  if (c?.fromUpscaled && inputs.control_image_id !== undefined)
    throw invalid(
      `The controlnet node ${c.nodeId} takes its image from upscaler node ${up!.nodeId}, the upscaled source; inputs.control_image_id would replace what the graph wires`,
      { node_id: c.nodeId, field: 'inputs.control_image_id' },
    );
  if (!c && inputs.control_model !== undefined)
    throw invalid('inputs.control_model applies to a workflow with a controlnet node; this one has none', {
      field: 'inputs.control_model',
    });
  if (c) {
    const controlModel = inputs.control_model ?? c.model;
    if (controlModel === null)
      throw invalid(`controlnet node ${c.nodeId} names no ControlNet model; choose one (GET /models?type=controlnet lists them)`, {
        node_id: c.nodeId,
        field: 'control_model',
      });
    const image = c.fromUpscaled ? (inputs.image_id ?? mapped.image) : (inputs.control_image_id ?? c.image);
    // An upscaled control image is the source image, checked below.
    if (!c.fromUpscaled && (image === null || (inputs.control_image_id === undefined && !UUID_LIKE.test(image))))
      throw invalid(
        `The controlnet node ${c.nodeId}'s image ${image === null ? 'is empty' : `"${image}" is not an image id of your gallery`}; pass inputs.control_image_id`,
        { node_id: c.nodeId, field: 'inputs.control_image_id' },
      );
    set(body, 'controlnet', {
      model: controlModel,
      image,
      weight: c.weight,
      begin_step_percent: c.begin,
      end_step_percent: c.end,
      preprocessor: c.preprocessor,
      low_threshold: c.lowThreshold,
      high_threshold: c.highThreshold,
    });
  }
  const upscaleFirst = up
    ? {
        nodeId: up.nodeId,
        nodeType: up.nodeType,
        control: c?.fromUpscaled ?? false,
        ...((inputs.upscaler ?? up.model) !== null ? { model: (inputs.upscaler ?? up.model)! } : {}),
        scale: inputs.scale ?? up.scale ?? 2,
      }
    : undefined;
  for (const key of Object.keys(SDXL_SIZE_DEFAULTS) as (keyof SdxlSizeFields)[]) set(body, key, inputs[key] ?? mapped.sdxlSize?.[key]);
  if (mapped.mode === 'image_to_image') {
    const image = inputs.image_id ?? mapped.image;
    if (image === null || (inputs.image_id === undefined && galleryIdOf(image) === null)) {
      throw invalid(
        `The workflow's image node ${image === null ? 'holds no image' : `names "${image}", which is not an image id of your gallery`}; pass inputs.image_id`,
        { field: 'inputs.image_id' },
      );
    }
    set(body, 'source_image', image);
    set(body, 'strength', inputs.strength ?? mapped.strength);
  }
  return { mode: mapped.mode, loader: mapped.loader, body, ...(upscaleFirst ? { upscaleFirst } : {}) };
}

/** An SDXL loader needs an SDXL model and the SD 1/2 loader one of those, as in InvokeAI. */
export function checkLoader(loader: LoaderType | null, model: { name: string; base: string | null }): void {
  if (loader === null) return;
  const sdxl = model.base === 'sdxl';
  if (loader === 'sdxl_model_loader' && !sdxl)
    throw invalid(`The workflow loads an SDXL model (sdxl_model_loader); "${model.name}" is ${model.base ?? 'not SDXL'}`, {
      field: 'model',
      loader,
    });
  if (loader === 'main_model_loader' && sdxl)
    throw invalid(`The workflow's main_model_loader takes SD 1.x/2.x models; "${model.name}" is SDXL (use sdxl_model_loader)`, {
      field: 'model',
      loader,
    });
}

/** Node fields of InvokeAI's graph format that are bookkeeping, not inputs. */
const GRAPH_NODE_KEYS = new Set(['id', 'type', 'is_intermediate', 'use_cache']);

/**
 * InvokeAI's execution graph (what its `enqueue_batch` sends: `{nodes: {<id>: {id, type, <field>: value}},
 * edges: [{source: {node_id, field}, destination: {node_id, field}}]}`) in the editor's workflow format,
 * so one mapper reads both.
 */
export function graphToWorkflow(graph: unknown, where = 'graph'): Record<string, unknown> {
  if (!isObject(graph) || !isObject(graph.nodes) || !Array.isArray(graph.edges)) {
    throw invalid(
      `${where} must be an InvokeAI graph: {nodes: {<id>: {id, type, ...fields}}, edges: [{source: {node_id, field}, destination: {node_id, field}}]}`,
      { field: where },
    );
  }
  const nodes = Object.entries(graph.nodes).map(([key, n]) => {
    if (!isObject(n) || typeof n.type !== 'string')
      throw invalid(`${where}.nodes.${key} is not a graph node ({id, type, ...fields})`, { field: `${where}.nodes.${key}` });
    const id = typeof n.id === 'string' ? n.id : key;
    const inputs = Object.fromEntries(
      Object.entries(n)
        .filter(([f]) => !GRAPH_NODE_KEYS.has(f))
        .map(([f, value]) => [f, { name: f, value }]),
    );
    return { id, type: 'invocation', data: { id, type: n.type, inputs } };
  });
  const edges = graph.edges.map((e, i) => {
    const ok = isObject(e) && isObject(e.source) && isObject(e.destination);
    const src = ok ? (e.source as Record<string, unknown>) : {};
    const dst = ok ? (e.destination as Record<string, unknown>) : {};
    if (![src.node_id, src.field, dst.node_id, dst.field].every((v) => typeof v === 'string')) {
      throw invalid(`${where}.edges[${i}] is not a graph edge ({source: {node_id, field}, destination: {node_id, field}})`, {
        field: `${where}.edges[${i}]`,
      });
    }
    return { source: src.node_id, sourceHandle: src.field, target: dst.node_id, targetHandle: dst.field };
  });
  return { nodes, edges, meta: { version: '3.0.0' } };
}
