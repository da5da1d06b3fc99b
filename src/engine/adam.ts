/**
 * Adam whose per-variable update is one native kernel on wasm, bit-identical to `tf.train.adam`:
 * tfjs's AdamOptimizer runs ~13 small kernels per variable per step (~130 of LeNet-5's ~300). On any
 * backend without the fused kernel it is tfjs's AdamOptimizer. The state (moments, accumulated betas,
 * iterations) is AdamOptimizer's own, so getWeights/setWeights (same layout), dispose and
 * serialization (className 'Adam', getConfig) are tfjs's, and the two optimizers are interchangeable.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_STEP, type AdamScalars } from './wasm/adam-step.js';

interface OptimizerVariable {
  originalName: string;
  variable: tf.Variable;
}

/** AdamOptimizer's private state, which the fused step reads and advances as tfjs's own step does. */
interface AdamOptimizerState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: OptimizerVariable[];
  accumulatedSecondMoment: OptimizerVariable[];
}

type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

const f32 = Math.fround;

export class FusedAdam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (tf.getKernel(ADAM_STEP, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamOptimizerState;
    const accBeta1 = state.accBeta1.dataSync()[0]!;
    const accBeta2 = state.accBeta2.dataSync()[0]!;
    // As tfjs rounds them: a JS number becomes a float32 scalar, so 1 - beta1 is computed in float64,
    // then rounded; 1 - accBeta1 is a float32 Sub (fround of a float64 +, -, · or / of two float32
    // values is exactly the float32 operation).
    const s: AdamScalars = {
      b1: f32(this.beta1), c1: f32(1 - this.beta1), b2: f32(this.beta2), c2: f32(1 - this.beta2),
      oma1: f32(1 - accBeta1), oma2: f32(1 - accBeta2), eps: f32(this.epsilon), negLr: f32(-this.learningRate),
    };
    const named = Array.isArray(variableGradients) ? variableGradients : undefined;
    const names = named?.map((v) => v.name) ?? Object.keys(variableGradients);
    tf.tidy(() => {
      names.forEach((name, i) => {
        const x = tf.engine().registeredVariables[name]!;
        // Moments are created even for a missing gradient, and indexed by position, as in tfjs.
        const zeros = (suffix: string) => ({ originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(x).variable(false)) });
        state.accumulatedFirstMoment[i] ??= zeros('m');
        state.accumulatedSecondMoment[i] ??= zeros('v');
        const g = named !== undefined ? named[i]!.tensor : (variableGradients as tf.NamedTensorMap)[name];
        if (g == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        const [x1, m1, v1] = tf.engine().runKernel(ADAM_STEP, { x, m, v, g }, s as unknown as tf.NamedAttrMap) as tf.Tensor[];
        x.assign(x1!);
        m.assign(m1!);
        v.assign(v1!);
      });
      state.accBeta1.assign(tf.scalar(f32(accBeta1 * s.b1)));
      state.accBeta2.assign(tf.scalar(f32(accBeta2 * s.b2)));
    });
    this.incrementIterations();
  }
}

/** Adam with tf.train.adam's defaults (beta1 0.9, beta2 0.999, the backend's epsilon). */
export function createAdam(learningRate: number): tf.Optimizer {
  return new FusedAdam(learningRate, 0.9, 0.999);
}
