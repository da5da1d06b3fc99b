/*
 * One Adam step for one variable, fused: tfjs's AdamOptimizer spends ~13 kernels per variable per
 * step on it. Each operation below is one of those kernels, in tfjs's order and rounded to float32
 * after each, so the result is bit-identical (tfjs-core adam_optimizer.js, applyGradients):
 *   m' = m·b1 + g·c1            v' = v·b2 + (g·g)·c2
 *   x' = ((m' / oma1) / (sqrt(v' / oma2) + eps)) · negLr + x
 * c1 = 1 - b1 and c2 = 1 - b2 (rounded once, as tfjs does), oma1 = 1 - b1^t and oma2 = 1 - b2^t
 * (the bias corrections), negLr = -learningRate.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/* tfjs rounds every product before adding it; contracting to a fused multiply-add would not. */
#pragma clang fp contract(off)

EXPORT(adam_step)
void adam_step(const float *x, const float *m, const float *v, const float *g, float *x_out, float *m_out,
               float *v_out, int n, float b1, float c1, float b2, float c2, float oma1, float oma2, float eps,
               float neg_lr) {
  const v128_t vb1 = wasm_f32x4_splat(b1), vc1 = wasm_f32x4_splat(c1);
  const v128_t vb2 = wasm_f32x4_splat(b2), vc2 = wasm_f32x4_splat(c2);
  const v128_t voma1 = wasm_f32x4_splat(oma1), voma2 = wasm_f32x4_splat(oma2);
  const v128_t veps = wasm_f32x4_splat(eps), vneg_lr = wasm_f32x4_splat(neg_lr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), vb1), wasm_f32x4_mul(gi, vc1));
    const v128_t vi =
        wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), vb2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), vc2));
    const v128_t step = wasm_f32x4_div(wasm_f32x4_div(mi, voma1),
                                       wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, voma2)), veps));
    const v128_t xi = wasm_f32x4_add(wasm_f32x4_mul(step, vneg_lr), wasm_v128_load(x + i));
    wasm_v128_store(m_out + i, mi);
    wasm_v128_store(v_out + i, vi);
    wasm_v128_store(x_out + i, xi);
  }
  for (; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * c1;
    const float vi = v[i] * b2 + (gi * gi) * c2;
    const float step = (mi / oma1) / (__builtin_sqrtf(vi / oma2) + eps);
    x_out[i] = step * neg_lr + x[i];
    m_out[i] = mi;
    v_out[i] = vi;
  }
}
