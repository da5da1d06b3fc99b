/**
 * From a trial's sampled configuration to its compression plan. A search space for compression has
 * up to two top-level choices, each a list of algorithms (`_name`) with one parameter per layer:
 *
 *   pruning:      { _name: 'level', conv1: 0.5, fc1: 0.9 }  → level pruner, sparsity per layer
 *   quantization: { _name: 'qat',   conv1: 8,   fc1: 4 }    → QAT quantizer, weight bits per layer
 *
 * Pruning runs first, then quantization (as NNI's pipelines do).
 */
import { InputError } from '../errors.js';

export interface CompressionStep {
  readonly algorithm: string;
  readonly configList: ReadonlyArray<Record<string, unknown>>;
}

export interface CompressionPlan {
  readonly pruning?: CompressionStep;
  readonly quantization?: CompressionStep;
}

const STEP_KEYS = ['pruning', 'quantization'] as const;

function layerValues(step: string, value: unknown): [string, Record<string, unknown>] {
  if (typeof value !== 'object' || value === null || typeof (value as { _name?: unknown })._name !== 'string') {
    throw new InputError(`searchSpace.${step} must be a choice of algorithms ({"_name": "level", "<layer>": …}), but got ${JSON.stringify(value)}`);
  }
  const { _name, ...layers } = value as { _name: string } & Record<string, unknown>;
  return [_name, layers];
}

/**
 * Builds the plan; `epochs` sets schedule keys of algorithms that need them: AGP's curve reaches its
 * final sparsity at the start of the last epoch (endEpoch = epochs; with one epoch, it prunes at once).
 */
export function buildPlan(config: Record<string, unknown>, epochs: number): CompressionPlan {
  const unknown = Object.keys(config).filter((k) => !(STEP_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new InputError(`searchSpace.${unknown[0]} is not a compression step; a compression search space has only ${STEP_KEYS.join(' and ')}`);
  const plan: { pruning?: CompressionStep; quantization?: CompressionStep } = {};
  if (config.pruning !== undefined) {
    const [algorithm, layers] = layerValues('pruning', config.pruning);
    const schedule = algorithm === 'agp' ? { startEpoch: 0, endEpoch: Math.max(1, epochs), frequency: 1, initialSparsity: 0 } : {};
    const configList = Object.entries(layers).map(([layer, sparsity]) =>
      algorithm === 'agp' ? { opNames: [layer], finalSparsity: sparsity, ...schedule } : { opNames: [layer], sparsity });
    plan.pruning = { algorithm, configList };
  }
  if (config.quantization !== undefined) {
    const [algorithm, layers] = layerValues('quantization', config.quantization);
    plan.quantization = { algorithm, configList: Object.entries(layers).map(([layer, bits]) => ({ opNames: [layer], quantTypes: ['weight'], quantBits: bits })) };
  }
  return plan;
}
