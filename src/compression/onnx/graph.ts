/** Collects the nodes and initializers of an ONNX graph, handing out unique value names. */
import * as tf from '@tensorflow/tfjs';
import { FLOAT, type AttributeValue, type Node, type Tensor } from './proto.js';

/** A value in the graph. Rank-4 values (TF.js NHWC) are held NCHW, as ONNX's Conv and pools want. */
export interface Value {
  readonly name: string;
  readonly rank: number;
}

/** Where an NHWC axis lands once a rank-4 value is held NCHW. */
export const NCHW_AXIS = [0, 2, 3, 1];
export const TO_NCHW = [0, 3, 1, 2];
export const TO_NHWC = [0, 2, 3, 1];

export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  readonly #names = new Set<string>();
  /** Weights still on the backend, read when the graph is done: webgpu has no synchronous read in Node. */
  readonly #unread: Array<{ index: number; tensor: tf.Tensor }> = [];

  /** `base`, or `base_1`, `base_2`, … if taken. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.#names.has(name); i++) name = `${base}_${i}`;
    this.#names.add(name);
    return name;
  }

  /** A float initializer holding `t`'s values, read by `readWeights` (the caller keeps ownership of `t`). */
  weight(base: string, t: tf.Tensor): string {
    const name = this.fresh(base);
    this.#unread.push({ index: this.initializers.length, tensor: t.clone() });
    this.initializers.push({ name, dims: t.shape, dataType: FLOAT, data: new Float32Array(0) });
    return name;
  }

  /** Reads every weight's values off the backend into its initializer, asynchronously. */
  async readWeights(): Promise<void> {
    for (const { index, tensor } of this.#unread) {
      this.initializers[index] = { ...this.initializers[index]!, data: Float32Array.from(await tensor.data()) };
    }
  }

  /** Frees the weights' copies, read or not (the converter's `finally`). */
  dispose(): void {
    tf.dispose(this.#unread.map((w) => w.tensor));
    this.#unread.length = 0;
  }

  scalar(base: string, value: number): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims: [], dataType: FLOAT, data: Float32Array.of(value) });
    return name;
  }

  /** Adds one node and returns the name of its single output. */
  op(opType: string, base: string, inputs: readonly string[], attributes?: Record<string, AttributeValue>): string {
    const output = this.fresh(base);
    this.nodes.push({ opType, name: output, inputs, outputs: [output], ...(attributes !== undefined ? { attributes } : {}) });
    return output;
  }

  transpose(base: string, input: string, perm: readonly number[]): string {
    return this.op('Transpose', base, [input], { perm });
  }
}
