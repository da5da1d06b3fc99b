/* FusedConv2D's epilogue, shared by the forward convolutions (small-conv.c, winograd.c). */
#ifndef SQUISH_CONV_EPILOGUE_H
#define SQUISH_CONV_EPILOGUE_H

#include <wasm_simd128.h>

/* The channel vector at q: + bias (unless null), then max(·, 0) if `relu` (max keeps NaN, as tfjs's Relu does). */
static inline __attribute__((always_inline)) v128_t conv_epilogue(v128_t v, const float *bias, int relu, int q) {
  if (bias) v = wasm_f32x4_add(v, wasm_v128_load(bias + q));
  return relu ? wasm_f32x4_max(v, wasm_f32x4_splat(0)) : v;
}

#endif
