import { gaussianNoise } from '../diffusion/noise';
import { attr, OnnxGraph, onnxDataType, toFloat16, type EncodeOptions } from './writer';

/**
 * What the tiny random-weight model generators (diffusion/tiny, musicgen/tiny) build graphs with:
 * seeded weights and one graph whose weights, float inputs and float outputs are float16 or
 * float32. Inside, everything is float32: ONNX Runtime's CPU provider lacks float16 kernels for
 * most ops, and fp16 exports keep their float16 tensors at the edges only where it matters to us.
 */

export type Float = 'float32' | 'float16';

/** Weights drawn from a seeded normal distribution: the same seed writes the same model everywhere. */
export class Weights {
  private stream = 0;
  constructor(
    private readonly seed: number,
    stream = 0,
  ) {
    this.stream = stream;
  }
  /** A copy that draws what this one would draw next: the same weights written twice. */
  clone(): Weights {
    return new Weights(this.seed, this.stream);
  }
  normal(count: number, std: number): Float32Array {
    return gaussianNoise(this.seed, count, this.stream++).map((v) => v * std);
  }
}

export class TinyNet {
  readonly g: OnnxGraph;
  constructor(
    name: string,
    readonly float: Float,
    private readonly w: Weights,
    /** Weights go to an external-data file, as exports past 2 GB keep them. */
    private readonly external = false,
  ) {
    this.g = new OnnxGraph(name);
  }

  /** A weight tensor, usable as float32 inside the graph. */
  param(name: string, dims: number[], values: Float32Array): string {
    const external = this.external ? 'auto' : false;
    if (this.float === 'float32') return this.g.initializer(name, 'float32', dims, values, { external });
    return this.toF32(this.g.initializer(name, 'float16', dims, toFloat16(values), { external }));
  }

  random(name: string, dims: number[], std: number): string {
    return this.param(
      name,
      dims,
      this.w.normal(
        dims.reduce((a, b) => a * b, 1),
        std,
      ),
    );
  }

  toF32(value: string): string {
    return this.g.op('Cast', [value], { to: attr.int(onnxDataType('float32')) });
  }

  /** A float graph input, as float32 inside. */
  floatInput(name: string, dims: (number | string)[]): string {
    const v = this.g.input(name, this.float, dims);
    return this.float === 'float32' ? v : this.toF32(v);
  }

  floatOutput(value: string, name: string, dims: (number | string)[]): void {
    if (this.float === 'float32') this.g.node('Identity', [value], [name]);
    else this.g.node('Cast', [value], [name], { to: attr.int(onnxDataType('float16')) });
    this.g.output(name, this.float, dims);
  }

  async write(file: string): Promise<void> {
    const options: EncodeOptions = this.external ? { externalData: { location: 'model.onnx_data' } } : {};
    await this.g.write(file, options);
  }
}
