/** Squish's model-compression library: config lists, the compressor lifecycle, pruners, quantizers, distillation, export. */
export {
  QUANT_TYPES,
  defineSpec,
  parseConfigList,
  resolveConfigList,
  type AlgorithmKey,
  type ConfigSpec,
  type LayerConfig,
  type QuantType,
  type ResolvedLayer,
} from './config.js';
export { defaultLayerClasses, layerSetting, registerLayerSetting, registeredLayerClasses, type LayerSetting } from './settings.js';
export { CompressionWrapper, type CompressionWrapperArgs } from './wrapper.js';
export { wrapModel, unwrapModel } from './model.js';
export { PruningTarget, type MaskSet } from './target-space.js';
export { Compressor } from './compressor.js';
export { MetricPruner, Pruner, customPrunerSpec, keepAllButLowest, perChannel, type ExportOptions, type Granularity } from './pruner.js';
export { loadMasks, saveMasks } from './masks.js';
export { OnnxExportError, SUPPORTED_LAYERS as ONNX_LAYERS, convertToOnnx, exportOnnx } from './onnx/export.js';
export { LevelPruner, LEVEL_SPEC } from './pruners/level.js';
export { AGPPruner, AGP_DEFAULTS, AGP_SPEC, agpCurve, agpSparsity, type AGPOptions } from './pruners/agp.js';
export { LotteryTicketPruner, LOTTERY_TICKET_SPEC, lotterySparsity, type LotteryTicketOptions } from './pruners/lottery-ticket.js';
export { FPGMPruner, distanceSums } from './pruners/fpgm.js';
export { NormFilterPruner, FILTER_OP_TYPES, filterSpec } from './pruners/norm-filter.js';
export { L1FilterPruner } from './pruners/l1-filter.js';
export { L2FilterPruner } from './pruners/l2-filter.js';
export { ActivationFilterPruner, activationSpec, type ActivationPrunerOptions } from './pruners/activation-filter.js';
export { ActivationAPoZRankFilterPruner } from './pruners/apoz.js';
export { ActivationMeanRankFilterPruner } from './pruners/mean-activation.js';
export { SlimPruner, SLIM_SPEC, type SlimPrunerOptions } from './pruners/slim.js';
export {
  DEFAULT_QUANT_BITS,
  Quantizer,
  STRAIGHT_THROUGH,
  fakeQuantize,
  quantBitsOf,
  quantizerSpec,
  type Calibration,
  type QuantGrad,
  type QuantizationTarget,
  type QuantizerExportOptions,
} from './quantization/quantizer.js';
export { encodeOnGrid, gridDtype, saveQuantizedModel, type ManifestQuantization, type WeightGrid } from './quantization/export.js';
export { NaiveQuantizer, NAIVE_SPEC } from './quantization/naive.js';
export { QAT_Quantizer, QAT_EMA_DECAY, QAT_SPEC, affineGrid } from './quantization/qat.js';
export { DoReFaQuantizer, DOREFA_SPEC } from './quantization/dorefa.js';
export { BNNQuantizer, BNN_SPEC, CLIPPED_STRAIGHT_THROUGH, binarize } from './quantization/bnn.js';
export { Distiller, DISTILLATION_DEFAULTS, distillationLoss, type DistillationOptions } from './distillation.js';
export { PRUNERS, QUANTIZERS, algorithmNames, createCompressor, createPruner, createQuantizer } from './registry.js';
export { DependencyGraph, type BuildOptions, type Node, type TensorNode } from './speedup/graph.js';
export { Dependency, Group, type GroupItem, type PruningFn } from './speedup/group.js';
export { layerHandler, registerChannelHandler, type HandlerKind, type LayerHandler } from './speedup/handlers.js';
export { planSpeedup, type SpeedupPlan } from './speedup/plan.js';
export { speedup, speedupWithHistory, type PruningHistory, type SpeedupResult } from './speedup/speedup.js';
export type { DependencyAwareOptions } from './speedup/dependency-aware.js';
