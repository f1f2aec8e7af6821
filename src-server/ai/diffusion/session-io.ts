import type * as Ort from 'onnxruntime-node';
import { AiError } from '../protocol';
import type { GraphValue } from './onnx-file';

// Exports of one SD component differ in names and types (int64 or float32 timesteps, float16 or
// float32 everything, a batch dimension or not), so the pipeline reads them from the loaded
// session instead of assuming one exporter's choices.

export interface SessionIo {
  inputs: GraphValue[];
  outputs: GraphValue[];
}

// onnxruntime reports a dimension with neither a size nor a name as ""; null here, as readOnnxFile says it.
const tensors = (list: readonly Ort.InferenceSession.ValueMetadata[]): GraphValue[] =>
  list
    .filter((m): m is Ort.InferenceSession.TensorValueMetadata => m.isTensor)
    .map((m) => ({ name: m.name, type: m.type, dims: m.shape.map((d) => (d === '' ? null : d)) }));

/** The tensor inputs and outputs of a session: names, element types and dims (strings are symbolic, null unknown). */
export function sessionIo(session: Pick<Ort.InferenceSession, 'inputMetadata' | 'outputMetadata'>): SessionIo {
  return { inputs: tensors(session.inputMetadata), outputs: tensors(session.outputMetadata) };
}

/** The first of `names` among `values`, or an error naming the component and what it has instead. */
export function requireTensor(
  values: readonly GraphValue[],
  names: readonly string[],
  component: string,
  kind: 'input' | 'output' = 'input',
): GraphValue {
  for (const name of names) {
    const found = values.find((v) => v.name === name);
    if (found) return found;
  }
  throw new AiError(
    'model_load_failed',
    `${component} has no ${kind} ${names.join(' or ')}; its ${kind}s are ${values.map((v) => `${v.name} (${v.type} [${v.dims.join(', ')}])`).join(', ') || 'none'}`,
  );
}
