/*
 * Convolutions over few input channels (a network's first layers on images): the forward pass and the
 * filter gradient, NHWC, dilation 1, on an input already padded (so no bounds tests in the loops).
 * With few input channels a pixel's taps are few, so XNNPACK's and im2col's packing costs more than
 * the arithmetic; here SIMD runs across output channels and each x value is splatted once per 8
 * channels.
 *
 * Output channels go in vectors of 4. The last vector of a pixel starts at co - 4, overlapping its
 * predecessor, so that loads never pass a tensor's end; with co < 4 it starts before the pixel
 * (those lanes are garbage, never stored: reading a few bytes below a tensor stays in the heap).
 */
#include <wasm_simd128.h>
#include "conv-epilogue.h"

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

/* Channel offset of output-channel vector i of nv = ceil(co / 4). */
INLINE int vector_at(int i, int co) {
  return 4 * i < co - 4 ? 4 * i : co - 4;
}

INLINE v128_t madd(v128_t acc, v128_t a, v128_t b) {
  return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b));
}

/* Stores one pixel's channel vector; with co < 4 only the lanes that are channels (p is co - 4 floats before the pixel). */
INLINE void store_channels(float *p, v128_t v, int co) {
  if (co >= 4) {
    wasm_v128_store(p, v);
    return;
  }
  wasm_v128_store32_lane(p + 3, v, 3);
  if (co >= 2) wasm_v128_store32_lane(p + 2, v, 2);
  if (co >= 3) wasm_v128_store32_lane(p + 1, v, 1);
}

/* One pixel's nvb (1 or 2) channel vectors at q0, q1 of out, through the epilogue. */
INLINE void store_pixel(float *out, v128_t a0, v128_t a1, int nvb, int q0, int q1, int co, const float *bias, int relu) {
  store_channels(out + q0, conv_epilogue(a0, bias, relu, q0), co);
  if (nvb > 1) store_channels(out + q1, conv_epilogue(a1, bias, relu, q1), co);
}

/* a0 += *x · v0 and a1 += *x · v1 (nvb = 2). The accumulators are locals of inlined callers: registers. */
INLINE void accumulate(v128_t *a0, v128_t *a1, const float *x, v128_t v0, v128_t v1, int nvb) {
  const v128_t s = wasm_v128_load32_splat(x);
  *a0 = madd(*a0, s, v0);
  if (nvb > 1) *a1 = madd(*a1, s, v1);
}

/*
 * np (1 or 4) neighbouring output pixels × nvb (1 or 2) channel vectors at q0, q1: 8 accumulators at
 * most, which stay in registers. xp is the first pixel's window corner; pixels are `step` floats apart.
 */
INLINE void conv_pixels(const float *xp, const float *w, float *out, int np, int nvb, int q0, int q1, int kh, int kw,
                        int ci, int co, int row, int step, const float *bias, int relu) {
  const v128_t zero = wasm_f32x4_splat(0);
  v128_t a00 = zero, a01 = zero, a10 = zero, a11 = zero, a20 = zero, a21 = zero, a30 = zero, a31 = zero;
  const int kwci = kw * ci;
  for (int ky = 0; ky < kh; ky++) {
    const float *xr = xp + (long)ky * row;
    const float *wr = w + (long)ky * kwci * co;
    for (int j = 0; j < kwci; j++) {
      const v128_t w0 = wasm_v128_load(wr + (long)j * co + q0);
      const v128_t w1 = nvb > 1 ? wasm_v128_load(wr + (long)j * co + q1) : zero;
      accumulate(&a00, &a01, xr + j, w0, w1, nvb);
      if (np > 1) {
        accumulate(&a10, &a11, xr + step + j, w0, w1, nvb);
        accumulate(&a20, &a21, xr + 2 * step + j, w0, w1, nvb);
        accumulate(&a30, &a31, xr + 3 * step + j, w0, w1, nvb);
      }
    }
  }
  store_pixel(out, a00, a01, nvb, q0, q1, co, bias, relu);
  if (np > 1) {
    store_pixel(out + co, a10, a11, nvb, q0, q1, co, bias, relu);
    store_pixel(out + 2 * co, a20, a21, nvb, q0, q1, co, bias, relu);
    store_pixel(out + 3 * co, a30, a31, nvb, q0, q1, co, bias, relu);
  }
}

/* out [batch, oh, ow, co] = conv(x, w) (+ bias, ReLU: conv-epilogue.h) for x [batch, hp, wp, ci] padded, w [kh, kw, ci, co]. */
EXPORT(small_conv2d)
void small_conv2d(const float *x, const float *w, const float *bias, int relu, float *out, int batch, int hp, int wp, int ci, int oh, int ow,
                  int co, int kh, int kw, int sh, int sw) {
  const int nv = (co + 3) / 4, row = wp * ci, step = sw * ci;
  for (int b = 0; b < batch; b++) {
    for (int oy = 0; oy < oh; oy++) {
      const float *xr = x + ((long)b * hp + (long)oy * sh) * row;
      float *orow = out + ((long)b * oh + oy) * ow * co;
      for (int i = 0; i < nv; i += 2) {
        const int q0 = vector_at(i, co), q1 = vector_at(i + 1, co);
        int ox = 0;
        if (i + 1 < nv) {
          for (; ox + 4 <= ow; ox += 4)
            conv_pixels(xr + (long)ox * step, w, orow + (long)ox * co, 4, 2, q0, q1, kh, kw, ci, co, row, step, bias, relu);
          for (; ox < ow; ox++)
            conv_pixels(xr + (long)ox * step, w, orow + (long)ox * co, 1, 2, q0, q1, kh, kw, ci, co, row, step, bias, relu);
        } else {
          for (; ox + 4 <= ow; ox += 4)
            conv_pixels(xr + (long)ox * step, w, orow + (long)ox * co, 4, 1, q0, q0, kh, kw, ci, co, row, step, bias, relu);
          for (; ox < ow; ox++)
            conv_pixels(xr + (long)ox * step, w, orow + (long)ox * co, 1, 1, q0, q0, kh, kw, ci, co, row, step, bias, relu);
        }
      }
    }
  }
}

/* Offset of filter tap t (flattened ky, kx, c) from a window's corner in the padded input. */
INLINE int tap_offset(int t, int kwci, int row) {
  return t / kwci * row + t % kwci;
}

INLINE void add_to_slots(float *p, v128_t a0, v128_t a1, int nvb) {
  wasm_v128_store(p, wasm_f32x4_add(wasm_v128_load(p), a0));
  if (nvb > 1) wasm_v128_store(p + 4, wasm_f32x4_add(wasm_v128_load(p + 4), a1));
}

/*
 * One image's contribution to nt (1..4) filter taps from t0 × nvb (1 or 2) channel vectors from
 * vector i, summed over all output pixels in registers, then added to slots [taps, nv, 4].
 */
INLINE void grad_taps(const float *x, const float *dy, float *slots, int nt, int nvb, int t0, int i, int nv, int oh,
                      int ow, int co, int kwci, int row, int sh, int step) {
  const v128_t zero = wasm_f32x4_splat(0);
  v128_t a00 = zero, a01 = zero, a10 = zero, a11 = zero, a20 = zero, a21 = zero, a30 = zero, a31 = zero;
  const int q0 = vector_at(i, co), q1 = vector_at(i + 1, co);
  const int o0 = tap_offset(t0, kwci, row);
  const int o1 = nt > 1 ? tap_offset(t0 + 1, kwci, row) : 0;
  const int o2 = nt > 2 ? tap_offset(t0 + 2, kwci, row) : 0;
  const int o3 = nt > 3 ? tap_offset(t0 + 3, kwci, row) : 0;
  for (int oy = 0; oy < oh; oy++) {
    const float *xp = x + (long)oy * sh * row;
    const float *d = dy + (long)oy * ow * co;
    for (int ox = 0; ox < ow; ox++, xp += step, d += co) {
      const v128_t d0 = wasm_v128_load(d + q0);
      const v128_t d1 = nvb > 1 ? wasm_v128_load(d + q1) : zero;
      accumulate(&a00, &a01, xp + o0, d0, d1, nvb);
      if (nt > 1) accumulate(&a10, &a11, xp + o1, d0, d1, nvb);
      if (nt > 2) accumulate(&a20, &a21, xp + o2, d0, d1, nvb);
      if (nt > 3) accumulate(&a30, &a31, xp + o3, d0, d1, nvb);
    }
  }
  float *p = slots + ((long)t0 * nv + i) * 4;
  const long next = (long)nv * 4; /* the next tap's slots */
  add_to_slots(p, a00, a01, nvb);
  if (nt > 1) add_to_slots(p + next, a10, a11, nvb);
  if (nt > 2) add_to_slots(p + 2 * next, a20, a21, nvb);
  if (nt > 3) add_to_slots(p + 3 * next, a30, a31, nvb);
}

/* grad_taps with nt and nvb as constants, so that each combination compiles to its own loop. */
static void grad_block(const float *x, const float *dy, float *slots, int nt, int nvb, int t0, int i, int nv, int oh,
                       int ow, int co, int kwci, int row, int sh, int step) {
#define GRAD_TAPS(NT, NVB) grad_taps(x, dy, slots, NT, NVB, t0, i, nv, oh, ow, co, kwci, row, sh, step)
  if (nvb > 1) {
    switch (nt) {
      case 4: GRAD_TAPS(4, 2); break;
      case 3: GRAD_TAPS(3, 2); break;
      case 2: GRAD_TAPS(2, 2); break;
      default: GRAD_TAPS(1, 2);
    }
  } else {
    switch (nt) {
      case 4: GRAD_TAPS(4, 1); break;
      case 3: GRAD_TAPS(3, 1); break;
      case 2: GRAD_TAPS(2, 1); break;
      default: GRAD_TAPS(1, 1);
    }
  }
#undef GRAD_TAPS
}

/*
 * Conv2DBackpropFilter: dw [kh, kw, ci, co] = Σ over images and output pixels of the input window ⊗ dy,
 * x [batch, hp, wp, ci] padded, dy [batch, oh, ow, co]. slots (kh·kw·ci · ceil(co/4) · 4 floats) hold
 * the sums per channel vector, which may overlap; the last pass picks each channel from one of them.
 */
EXPORT(small_conv2d_filter_grad)
void small_conv2d_filter_grad(const float *x, const float *dy, float *slots, float *dw, int batch, int hp, int wp,
                              int ci, int oh, int ow, int co, int kh, int kw, int sh, int sw) {
  const int nv = (co + 3) / 4, taps = kh * kw * ci, kwci = kw * ci, row = wp * ci;
  for (long k = 0; k < (long)taps * nv * 4; k++) slots[k] = 0;
  for (int b = 0; b < batch; b++) {
    const float *xb = x + (long)b * hp * row;
    const float *dyb = dy + (long)b * oh * ow * co;
    for (int i = 0; i < nv; i += 2)
      for (int t0 = 0; t0 < taps; t0 += 4)
        grad_block(xb, dyb, slots, taps - t0 < 4 ? taps - t0 : 4, i + 1 < nv ? 2 : 1, t0, i, nv, oh, ow, co, kwci,
                   row, sh, sw * ci);
  }
  for (int t = 0; t < taps; t++)
    for (int c = 0; c < co; c++) {
      const int i = c / 4 < nv - 1 ? c / 4 : nv - 1;
      dw[(long)t * co + c] = slots[((long)t * nv + i) * 4 + c - vector_at(i, co)];
    }
}
