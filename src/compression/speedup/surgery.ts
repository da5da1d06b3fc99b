/**
 * Cutting removed channels out of one layer's weights (Torch-Pruning's `prune_out_channels` /
 * `prune_in_channels`), with the constants of removed input channels folded into the bias, so the
 * smaller layer computes exactly what the masked one did on the channels that remain.
 */
import type { Node } from './graph.js';
import type { WeightMap } from './handlers.js';
import { keptChannels, tapSums, type SpeedupPlan } from './plan.js';

type Weight = { values: Float32Array; shape: number[] };

/** `w` with only the entries `idx` along `axis` (negative counts from the end). */
export function take(w: Weight, axis: number, idx: readonly number[]): Weight {
  const a = axis < 0 ? w.shape.length + axis : axis;
  const outer = w.shape.slice(0, a).reduce((x, y) => x * y, 1);
  const n = w.shape[a]!;
  const inner = w.shape.slice(a + 1).reduce((x, y) => x * y, 1);
  const values = new Float32Array(outer * idx.length * inner);
  for (let o = 0; o < outer; o++) {
    idx.forEach((i, k) => values.set(w.values.subarray((o * n + i) * inner, (o * n + i + 1) * inner), (o * idx.length + k) * inner));
  }
  return { values, shape: w.shape.map((d, i) => (i === a ? idx.length : d)) };
}

/** Input channel c of a depthwise kernel with multiplier m feeds channels c·m … c·m + m − 1. */
function expand(channels: readonly number[], m: number): number[] {
  return channels.flatMap((c) => Array.from({ length: m }, (_, j) => c * m + j));
}

/** What one layer becomes: its weights by short name, and config keys to change. */
export interface LayerSurgery {
  readonly weights: WeightMap;
  readonly config: Record<string, unknown>;
}

/**
 * Bias increments from the removed input channels' constants: Σ_c k_c · Σ_taps W[taps, c, o] (through
 * the depthwise then pointwise kernels for a SeparableConv2D).
 */
function foldedBias(plan: SpeedupPlan, node: Node, w: WeightMap): Float64Array | undefined {
  const input = node.inputs[0]!;
  const k = plan.constants.get(input.id)!;
  const removed = Array.from({ length: input.channels }, (_, c) => c).filter((c) => plan.removed[input.slot0 + c] === 1 && (k[c] ?? 0) !== 0);
  if (removed.length === 0) return undefined;
  const cout = node.output.channels;
  const delta = new Float64Array(cout);
  if (node.layer.getClassName() === 'SeparableConv2D') {
    const dw = tapSums(w.get('depthwise_kernel')!);
    const pw = tapSums(w.get('pointwise_kernel')!).sums;
    const m = w.get('depthwise_kernel')!.shape.at(-1)!;
    for (const c of removed) {
      for (let j = 0; j < m; j++) for (let o = 0; o < cout; o++) delta[o] += k[c]! * dw.sums[c * m + j]! * pw[(c * m + j) * cout + o]!;
    }
  } else {
    const { sums } = tapSums(w.get('kernel')!);
    for (const c of removed) for (let o = 0; o < cout; o++) delta[o] += k[c]! * sums[c * cout + o]!;
  }
  return delta;
}

function freshSurgery(plan: SpeedupPlan, node: Node, w: WeightMap): LayerSurgery {
  const keptIn = keptChannels(plan, node.inputs[0]!);
  const keptOut = keptChannels(plan, node.output);
  const out: WeightMap = new Map();
  if (node.layer.getClassName() === 'SeparableConv2D') {
    const dw = w.get('depthwise_kernel')!;
    out.set('depthwise_kernel', take(dw, -2, keptIn));
    out.set('pointwise_kernel', take(take(w.get('pointwise_kernel')!, -2, expand(keptIn, dw.shape.at(-1)!)), -1, keptOut));
  } else {
    out.set('kernel', take(take(w.get('kernel')!, -2, keptIn), -1, keptOut));
  }
  const delta = foldedBias(plan, node, w);
  const bias = w.get('bias') ?? (delta && { values: new Float32Array(node.output.channels), shape: [node.output.channels] });
  if (bias !== undefined) {
    const values = bias.values.map((b, o) => b + (delta?.[o] ?? 0));
    out.set('bias', take({ values, shape: bias.shape }, 0, keptOut));
  }
  return { weights: out, config: { [node.handler!.widthKey!]: keptOut.length, ...(bias !== undefined ? { useBias: true } : {}) } };
}

/** The weights and config changes of `node` once the plan's channels are removed. */
export function layerSurgery(plan: SpeedupPlan, node: Node): LayerSurgery {
  const w = plan.weights.get(node.name)!;
  switch (node.handler?.kind) {
    case 'fresh':
      return freshSurgery(plan, node, w);
    case 'depthwise': {
      const keptIn = keptChannels(plan, node.inputs[0]!);
      const kernel = w.get('depthwise_kernel')!;
      const out: WeightMap = new Map([['depthwise_kernel', take(kernel, -2, keptIn)]]);
      const bias = w.get('bias');
      if (bias !== undefined) out.set('bias', take(bias, 0, expand(keptIn, kernel.shape.at(-1)!)));
      return { weights: out, config: {} };
    }
    case 'elementwise':
    case 'pool': {
      // Per-channel weights (a BN's γ, β and moving statistics) follow the channels.
      const kept = keptChannels(plan, node.inputs[0]!);
      return { weights: new Map([...w].map(([name, v]) => [name, take(v, -1, kept)])), config: {} };
    }
    default: // merges, concatenations and flattens have no weights; a barrier keeps all its channels
      return { weights: w, config: {} };
  }
}
