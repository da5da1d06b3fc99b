/** Public API of the search module: search spaces, the ask/tell tuner and its samplers. */
export { parseSearchSpace, toConfig, type FlatParams, type ParamSpec, type SearchSpace } from './space.js';
export { PARAM_TYPES, type NniParam, type NniSearchSpace, type ParamType } from './space-schema.js';
export type { ChoiceValue, Distribution } from './distributions.js';
export { createTuner, Tuner, type Outcome, type Suggestion, type TunerOptions } from './tuner.js';
export type { Algorithm, SamplerOptions } from './samplers.js';
export { DEFAULT_TPE_OPTIONS, defaultGamma, defaultWeights, type TpeOptions } from './tpe/sampler.js';
export { DEFAULT_ANNEAL_OPTIONS, type AnnealOptions } from './anneal.js';
export { paretoFront, type Direction, type TrialRecord, type TrialState } from './trials.js';
export { hypervolume } from './tpe/hypervolume.js';
