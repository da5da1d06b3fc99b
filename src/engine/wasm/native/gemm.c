/*
 * Single-precision matrix products in WebAssembly SIMD, for the convolutions (conv-gemm.c,
 * winograd.c). Register tiles of 4 rows × 8 columns: per step 2 loads of b, 4 broadcasts of a and
 * 16 multiply-adds, which keeps the two multiply and two add pipes of one core busy (no FMA in
 * wasm SIMD without relaxed-simd). Each product sums over k in order, as a direct convolution does.
 */
#include <wasm_simd128.h>
#include "gemm.h"

#define EXPORT(name) __attribute__((export_name(#name)))

#define FMA(acc, a, b) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))

/*
 * The 4 × 8 register tile both products use: accumulators x00..x31 (row r, columns 4j..4j+3 in xrj),
 * one step adding a[r]·b[0..8) with a[r] broadcast from p0..p3 and b in b0, b1.
 */
#define TILE_4x8_STEP(p0, p1, p2, p3)     \
  do {                                   \
    v128_t s = wasm_v128_load32_splat(p0); \
    FMA(x00, s, b0); FMA(x01, s, b1);    \
    s = wasm_v128_load32_splat(p1);      \
    FMA(x10, s, b0); FMA(x11, s, b1);    \
    s = wasm_v128_load32_splat(p2);      \
    FMA(x20, s, b0); FMA(x21, s, b1);    \
    s = wasm_v128_load32_splat(p3);      \
    FMA(x30, s, b0); FMA(x31, s, b1);    \
  } while (0)
/* Writes the tile to c with put: STORE, or ADD_TO (a block's sum added to c once; see gemm_tn_add). */
#define STORE(p, x) wasm_v128_store(p, x)
#define ADD_TO(p, x) wasm_v128_store(p, wasm_f32x4_add(wasm_v128_load(p), x))
#define TILE_4x8_PUT(put, c0, c1, c2, c3, o)        \
  do {                                             \
    put(c0 + o, x00); put(c0 + o + 4, x01);        \
    put(c1 + o, x10); put(c1 + o + 4, x11);        \
    put(c2 + o, x20); put(c2 + o + 4, x21);        \
    put(c3 + o, x30); put(c3 + o + 4, x31);        \
  } while (0)

#define INLINE static inline __attribute__((always_inline))

/* c = (add ? c : 0) + a · b over k, a's rows lda floats apart; `add` is a constant, so put folds. */
INLINE void nn_pass(const float *a, int lda, const float *b, int ldb, float *c, int ldc, int rows, int k, int cols, const int add) {
  int t = 0;
  for (; t + 4 <= rows; t += 4) {
    const float *a0 = a + (long)t * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
    float *c0 = c + (long)t * ldc, *c1 = c0 + ldc, *c2 = c1 + ldc, *c3 = c2 + ldc;
    int o = 0;
    for (; o + 8 <= cols; o += 8) {
      v128_t x00 = wasm_f32x4_splat(0), x01 = x00, x10 = x00, x11 = x00, x20 = x00, x21 = x00, x30 = x00, x31 = x00;
      const float *bq = b + o;
      for (int q = 0; q < k; q++, bq += ldb) {
        const v128_t b0 = wasm_v128_load(bq), b1 = wasm_v128_load(bq + 4);
        TILE_4x8_STEP(a0 + q, a1 + q, a2 + q, a3 + q);
      }
      if (add) TILE_4x8_PUT(ADD_TO, c0, c1, c2, c3, o);
      else TILE_4x8_PUT(STORE, c0, c1, c2, c3, o);
    }
    for (; o + 4 <= cols; o += 4) {
      v128_t x0 = wasm_f32x4_splat(0), x1 = x0, x2 = x0, x3 = x0;
      const float *bq = b + o;
      for (int q = 0; q < k; q++, bq += ldb) {
        const v128_t b0 = wasm_v128_load(bq);
        FMA(x0, wasm_v128_load32_splat(a0 + q), b0);
        FMA(x1, wasm_v128_load32_splat(a1 + q), b0);
        FMA(x2, wasm_v128_load32_splat(a2 + q), b0);
        FMA(x3, wasm_v128_load32_splat(a3 + q), b0);
      }
      if (add) { ADD_TO(c0 + o, x0); ADD_TO(c1 + o, x1); ADD_TO(c2 + o, x2); ADD_TO(c3 + o, x3); }
      else { STORE(c0 + o, x0); STORE(c1 + o, x1); STORE(c2 + o, x2); STORE(c3 + o, x3); }
    }
    for (; o < cols; o++) {
      float x0 = 0, x1 = 0, x2 = 0, x3 = 0;
      for (int q = 0; q < k; q++) {
        const float bv = b[(long)q * ldb + o];
        x0 += a0[q] * bv; x1 += a1[q] * bv; x2 += a2[q] * bv; x3 += a3[q] * bv;
      }
      c0[o] = add ? c0[o] + x0 : x0; c1[o] = add ? c1[o] + x1 : x1; c2[o] = add ? c2[o] + x2 : x2; c3[o] = add ? c3[o] + x3 : x3;
    }
  }
  for (; t < rows; t++) {
    const float *ar = a + (long)t * lda;
    float *cr = c + (long)t * ldc;
    int o = 0;
    for (; o + 4 <= cols; o += 4) {
      v128_t x = wasm_f32x4_splat(0);
      for (int q = 0; q < k; q++) FMA(x, wasm_v128_load32_splat(ar + q), wasm_v128_load(b + (long)q * ldb + o));
      if (add) ADD_TO(cr + o, x);
      else STORE(cr + o, x);
    }
    for (; o < cols; o++) {
      float x = 0;
      for (int q = 0; q < k; q++) x += ar[q] * b[(long)q * ldb + o];
      cr[o] = add ? cr[o] + x : x;
    }
  }
}

/*
 * Blocks of b that stay in L2 (128 KB at most) while every group of 4 rows of a passes over them:
 * BigCNN's dense layer read its 1.6 MB b from L3 once per group, forward (k = 3136) and for the
 * input gradient (cols = 3136). Each k-block's sums are added to c once (a shorter running sum, as
 * in gemm_tn_add). Winograd products summing at most 256 channels keep their one running sum.
 */
#define NN_DEPTH 256
#define NN_WIDTH 128

void gemm_nn(const float *a, const float *b, float *c, int rows, int k, int cols) {
  for (int o0 = 0; o0 < cols; o0 += NN_WIDTH) {
    const int width = cols - o0 < NN_WIDTH ? cols - o0 : NN_WIDTH;
    nn_pass(a, k, b + o0, cols, c + o0, cols, rows, k < NN_DEPTH ? k : NN_DEPTH, width, 0);
    for (int q0 = NN_DEPTH; q0 < k; q0 += NN_DEPTH)
      nn_pass(a + q0, k, b + (long)q0 * cols + o0, cols, c + o0, cols, rows, k - q0 < NN_DEPTH ? k - q0 : NN_DEPTH, width, 1);
  }
}

/*
 * Rows of a and b per pass of gemm_tn_add: a 64-row block of both (≤ 24 KB at k, cols ≤ 64) stays in
 * L1. Each pass sums its rows from zero and adds the sum to c: the filter gradients sum over
 * batch × positions rows (12544 for BigCNN's conv2), and one running sum over all of them lost
 * float32 accuracy in proportion to their number (relative error 4e-6 there, against 1e-6 in blocks).
 */
#define TN_ROWS 64

void gemm_tn_add(const float *a, const float *b, float *c, int rows, int k, int cols) {
  for (int t0 = 0; t0 < rows; t0 += TN_ROWS) {
    const int t1 = rows - t0 < TN_ROWS ? rows : t0 + TN_ROWS;
    int q = 0;
    for (; q + 4 <= k; q += 4) {
      float *c0 = c + (long)q * cols, *c1 = c0 + cols, *c2 = c1 + cols, *c3 = c2 + cols;
      int o = 0;
      for (; o + 8 <= cols; o += 8) {
        v128_t x00 = wasm_f32x4_splat(0), x01 = x00, x10 = x00, x11 = x00, x20 = x00, x21 = x00, x30 = x00, x31 = x00;
        for (int t = t0; t < t1; t++) {
          const float *ar = a + (long)t * k + q, *br = b + (long)t * cols + o;
          const v128_t b0 = wasm_v128_load(br), b1 = wasm_v128_load(br + 4);
          TILE_4x8_STEP(ar, ar + 1, ar + 2, ar + 3);
        }
        TILE_4x8_PUT(ADD_TO, c0, c1, c2, c3, o);
      }
      for (; o + 4 <= cols; o += 4) {
        v128_t x0 = wasm_f32x4_splat(0), x1 = x0, x2 = x0, x3 = x0;
        for (int t = t0; t < t1; t++) {
          const float *ar = a + (long)t * k + q;
          const v128_t b0 = wasm_v128_load(b + (long)t * cols + o);
          FMA(x0, wasm_v128_load32_splat(ar), b0);
          FMA(x1, wasm_v128_load32_splat(ar + 1), b0);
          FMA(x2, wasm_v128_load32_splat(ar + 2), b0);
          FMA(x3, wasm_v128_load32_splat(ar + 3), b0);
        }
        ADD_TO(c0 + o, x0); ADD_TO(c1 + o, x1); ADD_TO(c2 + o, x2); ADD_TO(c3 + o, x3);
      }
      for (; o < cols; o++) {
        float x0 = 0, x1 = 0, x2 = 0, x3 = 0;
        for (int t = t0; t < t1; t++) {
          const float bv = b[(long)t * cols + o];
          const float *ar = a + (long)t * k + q;
          x0 += ar[0] * bv; x1 += ar[1] * bv; x2 += ar[2] * bv; x3 += ar[3] * bv;
        }
        c0[o] += x0; c1[o] += x1; c2[o] += x2; c3[o] += x3;
      }
    }
    for (; q < k; q++) {
      float *cr = c + (long)q * cols;
      int o = 0;
      for (; o + 4 <= cols; o += 4) {
        v128_t x = wasm_f32x4_splat(0);
        for (int t = t0; t < t1; t++) FMA(x, wasm_v128_load32_splat(a + (long)t * k + q), wasm_v128_load(b + (long)t * cols + o));
        ADD_TO(cr + o, x);
      }
      for (; o < cols; o++) {
        float x = 0;
        for (int t = t0; t < t1; t++) x += a[(long)t * k + q] * b[(long)t * cols + o];
        cr[o] += x;
      }
    }
  }
}

/*
 * c[i] = a[i] · b[i] (or a[i]ᵀ · b[i]) for i < batch, a or b broadcast when not batched: a is m × k
 * (k × m with transpose_a), b is k × n, c is m × n.
 */
EXPORT(batch_matmul)
void batch_matmul(const float *a, const float *b, float *c, int batch, int a_batched, int b_batched, int m, int k, int n, int transpose_a) {
  for (int i = 0; i < batch; i++, c += (long)m * n) {
    const float *ai = a + (a_batched ? (long)i * m * k : 0), *bi = b + (b_batched ? (long)i * k * n : 0);
    if (transpose_a) {
      __builtin_memset(c, 0, (unsigned long)m * n * sizeof(float));
      gemm_tn_add(ai, bi, c, k, m, n);
    } else {
      gemm_nn(ai, bi, c, m, k, n);
    }
  }
}
