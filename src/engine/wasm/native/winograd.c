/*
 * Winograd convolution F(m×m, r×r) (Lavin & Gray 2016) for stride-1 convolutions, and its gradients.
 * A convolution becomes n² = (m+r-1)² independent matrix products between transformed input tiles
 * and transformed filters; the transforms are small matrices the caller computes (winograd.ts) and
 * passes in, because this module may hold no static data. Layouts: images NHWC; transformed data
 * [n²][tiles][channels], so each of the n² products (gemm.c) reads rows of contiguous channels.
 */
#include <wasm_simd128.h>
#include "gemm.h"

#define EXPORT(name) __attribute__((export_name(#name)))

/* dst[0..len) += coef · src[0..len) */
static void axpy(float *dst, const float *src, float coef, int len) {
  const v128_t k = wasm_f32x4_splat(coef);
  int i = 0;
  for (; i + 4 <= len; i += 4)
    wasm_v128_store(dst + i, wasm_f32x4_add(wasm_v128_load(dst + i), wasm_f32x4_mul(k, wasm_v128_load(src + i))));
  for (; i < len; i++) dst[i] += coef * src[i];
}

/*
 * Two-sided transform of tiles t0..t1-1: out[ξ][ν] = Σ_ij L[ξ][i] · tile[i][j] · L[ν][j], L being
 * n_out × n_in. Tile t = (b, ty, tx) is image rows ty·step - top + [0, n_in) and columns likewise,
 * zero outside the image. Written to dst[(ξ·n_out + ν)·(t1 - t0) + t - t0][c]; `tmp` holds
 * n_out·n_in·c floats. Callers use tiles_in below, which leaves the square input transforms
 * (L = Bᵀ) to tiles_in_n; this serves the filter transform (L = G, one tile: the filter as a
 * [1, r, r, Ci·Co] image) and the transform of dy tiles for the filter gradient (L = A).
 */
static void tiles_in_any(const float *src, float *dst, float *tmp, const float *l, int h, int w, int c, int n_in, int n_out,
                         int step, int tiles_h, int tiles_w, int top, int left, long t0, long t1) {
  const long plane = (t1 - t0) * c;
  for (long t = t0; t < t1; t++) {
    const int b = t / ((long)tiles_h * tiles_w), ty = t / tiles_w % tiles_h, tx = t % tiles_w;
    const int y0 = ty * step - top, x0 = tx * step - left;
    const int jlo = x0 < 0 ? -x0 : 0, jhi = w - x0 < n_in ? w - x0 : n_in;
    for (long i = 0; i < (long)n_out * n_in * c; i++) tmp[i] = 0;
    /* tmp[ξ][j] = Σ_i L[ξ][i] · row i of the tile */
    for (int i = 0; i < n_in; i++) {
      if (y0 + i < 0 || y0 + i >= h || jhi <= jlo) continue;
      const float *row = src + (((long)b * h + y0 + i) * w + x0 + jlo) * c;
      for (int xi = 0; xi < n_out; xi++) {
        const float coef = l[xi * n_in + i];
        if (coef != 0) axpy(tmp + ((long)xi * n_in + jlo) * c, row, coef, (jhi - jlo) * c);
      }
    }
    /* out[ξ][ν] = Σ_j L[ν][j] · tmp[ξ][j] */
    for (int xi = 0; xi < n_out; xi++)
      for (int nu = 0; nu < n_out; nu++) {
        float *out = dst + (long)(xi * n_out + nu) * plane + (t - t0) * c;
        const float *lrow = l + nu * n_in;
        const float *trow = tmp + (long)xi * n_in * c;
        int k = 0;
        for (; k + 4 <= c; k += 4) {
          v128_t acc = wasm_f32x4_splat(0);
          for (int j = 0; j < n_in; j++)
            if (lrow[j] != 0) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(lrow[j]), wasm_v128_load(trow + (long)j * c + k)));
          wasm_v128_store(out + k, acc);
        }
        for (; k < c; k++) {
          float acc = 0;
          for (int j = 0; j < n_in; j++) acc += lrow[j] * trow[(long)j * c + k];
          out[k] = acc;
        }
      }
  }
}

/*
 * The square input transforms and the output transforms for the tiles Squish uses, n = 4, 6 or 7
 * (F(2×2, 3×3), F(4×4, 3×3) and F(2×2, 5×5), F(3×3, 5×5)), and at least 4 channels, taken in
 * fours: the coefficients of a row stay in registers and every output is summed in registers, where
 * the general code above adds into memory one term at a time (it took 40 % of a Winograd BigCNN
 * step). Sums are pairwise: for n = 6, ((t0 + t1) + (t2 + t3)) + (t4 + t5). Always inlined with a
 * constant n, so the loops over n unroll.
 */
#define INLINE static inline __attribute__((always_inline))

/*
 * q over 0, 4, 8, … < len in vectors of 4, the last one moved back to end at len (overlapping the one
 * before when len % 4 ≠ 0; len ≥ 4): every value is independent, so a lane written twice gets the
 * same value twice, and channel counts need not be multiples of 4 (a pruned layer's often are not).
 */
#define FOR_VECTORS(q, len) for (int q##_ = 0, q; q##_ < (len) && (q = q##_ + 4 <= (len) ? q##_ : (len) - 4, 1); q##_ += 4)

INLINE void splat_row(v128_t *k, const float *row, const int n) {
  for (int i = 0; i < n; i++) k[i] = wasm_f32x4_splat(row[i]);
}

/* Σ_i k[i] · p[i·stride], pairwise. */
INLINE v128_t dot(const v128_t *k, const float *p, long stride, const int n) {
  v128_t t[7];
  for (int i = 0; i < n; i++) t[i] = wasm_f32x4_mul(k[i], wasm_v128_load(p + i * stride));
  for (int w = 1; w < n; w *= 2)
    for (int i = 0; i + w < n; i += 2 * w) t[i] = wasm_f32x4_add(t[i], t[i + w]);
  return t[0];
}

/* tiles_in with n_in = n_out = n and c ≥ 4; `buf` holds 2·n²·c floats (the tile, then tmp). */
INLINE void tiles_in_n(const float *src, float *dst, float *buf, const float *l, int h, int w, int c, int step, int tiles_h,
                       int tiles_w, int top, int left, long t0, long t1, const int n) {
  const long plane = (t1 - t0) * c;
  const int row = n * c;
  float *tile = buf, *tmp = buf + n * row;
  v128_t k[7];
  for (long t = t0; t < t1; t++) {
    const int b = t / ((long)tiles_h * tiles_w), ty = t / tiles_w % tiles_h, tx = t % tiles_w;
    const int y0 = ty * step - top, x0 = tx * step - left;
    for (int i = 0; i < n; i++) { /* the tile, zero outside the image */
      float *trow = tile + i * row;
      const float *srow = src + ((long)b * h + y0 + i) * w * c;
      if (y0 + i < 0 || y0 + i >= h) {
        FOR_VECTORS(q, row) wasm_v128_store(trow + q, wasm_f32x4_splat(0));
      } else if (x0 >= 0 && x0 + n <= w) {
        FOR_VECTORS(q, row) wasm_v128_store(trow + q, wasm_v128_load(srow + (long)x0 * c + q));
      } else {
        for (int j = 0; j < n; j++)
          FOR_VECTORS(q, c)
            wasm_v128_store(trow + j * c + q, x0 + j >= 0 && x0 + j < w ? wasm_v128_load(srow + (long)(x0 + j) * c + q) : wasm_f32x4_splat(0));
      }
    }
    for (int xi = 0; xi < n; xi++) { /* tmp[ξ][j] = Σ_i L[ξ][i] · tile[i][j], rows of n·c floats at once */
      splat_row(k, l + xi * n, n);
      FOR_VECTORS(q, row) wasm_v128_store(tmp + xi * row + q, dot(k, tile + q, row, n));
    }
    for (int nu = 0; nu < n; nu++) { /* out[ξ][ν] = Σ_j L[ν][j] · tmp[ξ][j] */
      splat_row(k, l + nu * n, n);
      for (int xi = 0; xi < n; xi++) {
        float *out = dst + (long)(xi * n + nu) * plane + (t - t0) * c;
        FOR_VECTORS(q, c) wasm_v128_store(out + q, dot(k, tmp + xi * row + q, c, n));
      }
    }
  }
}

/*
 * The inverse direction, for tiles t0..t1-1 of src ([n²][t1 - t0][c], c ≥ 4): tile t of the image
 * gets y[i][j] = Σ_ξν L[i][ξ] · src[ξ][ν] · L[j][ν], L being m × n, for the rows ty·m + i and columns
 * tx·m + j inside the [batch, h, w, c] image, then + bias[c] (unless null) and max(·, 0) if `relu`
 * (FusedConv2D's epilogue, applied as each output is stored). Serves the output transform (L = Aᵀ)
 * and, with one tile, the filter gradient's last step (L = Gᵀ, image [1, r, r, Ci·Co]). `tmp` holds
 * n·m·c floats.
 */
INLINE void tiles_out_n(const float *src, float *dst, float *tmp, const float *l, const float *bias, int relu, int h, int w, int c, int m,
                        int tiles_h, int tiles_w, long t0, long t1, const int n) {
  const long plane = (t1 - t0) * c;
  v128_t k[7];
  for (long t = t0; t < t1; t++) {
    const int b = t / ((long)tiles_h * tiles_w), ty = t / tiles_w % tiles_h, tx = t % tiles_w;
    const int rows = h - ty * m < m ? h - ty * m : m, cols = w - tx * m < m ? w - tx * m : m;
    for (int i = 0; i < rows; i++) { /* tmp[i][ν] = Σ_ξ L[i][ξ] · src[ξ][ν] */
      splat_row(k, l + i * n, n);
      for (int nu = 0; nu < n; nu++) {
        const float *in = src + (long)nu * plane + (t - t0) * c;
        FOR_VECTORS(q, c) wasm_v128_store(tmp + (i * n + nu) * c + q, dot(k, in + q, n * plane, n));
      }
    }
    for (int j = 0; j < cols; j++) { /* y[i][j] = Σ_ν L[j][ν] · tmp[i][ν] */
      splat_row(k, l + j * n, n);
      for (int i = 0; i < rows; i++) {
        float *out = dst + (((long)b * h + ty * m + i) * w + tx * m + j) * c;
        FOR_VECTORS(q, c) {
          v128_t y = dot(k, tmp + i * n * c + q, c, n);
          if (bias) y = wasm_f32x4_add(y, wasm_v128_load(bias + q));
          if (relu) y = wasm_f32x4_max(y, wasm_f32x4_splat(0)); /* max keeps NaN, as tfjs's Relu does */
          wasm_v128_store(out + q, y);
        }
      }
    }
  }
}

/* The two transforms, by the specialised code where the tile and channels allow. `tmp`: 2·n_out·n_in·c floats. */
static void tiles_in(const float *src, float *dst, float *tmp, const float *l, int h, int w, int c, int n_in, int n_out, int step,
                     int tiles_h, int tiles_w, int top, int left, long t0, long t1) {
  const int square = n_in == n_out && c >= 4;
  if (square && n_in == 4) tiles_in_n(src, dst, tmp, l, h, w, c, step, tiles_h, tiles_w, top, left, t0, t1, 4);
  else if (square && n_in == 6) tiles_in_n(src, dst, tmp, l, h, w, c, step, tiles_h, tiles_w, top, left, t0, t1, 6);
  else if (square && n_in == 7) tiles_in_n(src, dst, tmp, l, h, w, c, step, tiles_h, tiles_w, top, left, t0, t1, 7);
  else tiles_in_any(src, dst, tmp, l, h, w, c, n_in, n_out, step, tiles_h, tiles_w, top, left, t0, t1);
}

/*
 * `tmp`: m·n·c floats. Only the tile sizes winograd.ts chooses (n = 4, 6, 7) and its channel counts
 * (c ≥ 8 for images, Ci·Co for filters) arrive here; anything else traps.
 */
static void tiles_out(const float *src, float *dst, float *tmp, const float *l, const float *bias, int relu, int h, int w, int c, int n,
                      int m, int tiles_h, int tiles_w, long t0, long t1) {
  if (c < 4) __builtin_trap();
  if (n == 4) tiles_out_n(src, dst, tmp, l, bias, relu, h, w, c, m, tiles_h, tiles_w, t0, t1, 4);
  else if (n == 6) tiles_out_n(src, dst, tmp, l, bias, relu, h, w, c, m, tiles_h, tiles_w, t0, t1, 6);
  else if (n == 7) tiles_out_n(src, dst, tmp, l, bias, relu, h, w, c, m, tiles_h, tiles_w, t0, t1, 7);
  else __builtin_trap();
}

EXPORT(winograd_tiles_in)
void winograd_tiles_in(const float *src, float *dst, float *tmp, const float *l, int batch, int h, int w, int c, int n_in,
                       int n_out, int step, int tiles_h, int tiles_w, int top, int left) {
  tiles_in(src, dst, tmp, l, h, w, c, n_in, n_out, step, tiles_h, tiles_w, top, left, 0, (long)batch * tiles_h * tiles_w);
}

EXPORT(winograd_tiles_out)
void winograd_tiles_out(const float *src, float *dst, float *tmp, const float *l, int batch, int h, int w, int c, int n, int m,
                        int tiles_h, int tiles_w) {
  tiles_out(src, dst, tmp, l, 0, 0, h, w, c, n, m, tiles_h, tiles_w, 0, (long)batch * tiles_h * tiles_w);
}

/*
 * y = conv(x, U) (+ bias, ReLU: see tiles_out_n) for a stride-1 convolution, U the transformed filter [n²][Ci][Co]. Tiles go in
 * blocks of `block`, so that a block's transformed inputs `v` ([n²][block][Ci]) and products `mm`
 * ([n²][block][Co]) stay in L2 cache between the transforms and the products: done over the whole
 * batch at once, they went through memory and the transforms took twice the products' time.
 * `tmp` holds 2·n²·max(Ci, Co) floats.
 */
EXPORT(winograd_conv)
void winograd_conv(const float *x, const float *u, const float *bias, int relu, float *y, float *v, float *mm, float *tmp, const float *bt, const float *at,
                   int batch, int h, int w, int ci, int oh, int ow, int co, int n, int m, int top, int left, int block) {
  const int tiles_h = (oh + m - 1) / m, tiles_w = (ow + m - 1) / m;
  const long tiles = (long)batch * tiles_h * tiles_w;
  for (long t0 = 0; t0 < tiles; t0 += block) {
    const long t1 = tiles - t0 < block ? tiles : t0 + block;
    const int rows = (int)(t1 - t0);
    tiles_in(x, v, tmp, bt, h, w, ci, n, n, m, tiles_h, tiles_w, top, left, t0, t1);
    for (int p = 0; p < n * n; p++) gemm_nn(v + (long)p * rows * ci, u + (long)p * ci * co, mm + (long)p * rows * co, rows, ci, co);
    tiles_out(mm, y, tmp, at, bias, relu, oh, ow, co, n, m, tiles_h, tiles_w, t0, t1);
  }
}

/*
 * dU = Σ over tiles of Vᵀ · dM per plane ([n²][Ci][Co]), the filter gradient before its last
 * transform: V the input tiles (L = Bᵀ), dM = A · dY · Aᵀ of the output-gradient tiles. Blocked as
 * winograd_conv; `v` holds n²·block·Ci floats, `dm` n²·block·Co, `tmp` 2·n²·max(Ci, Co).
 */
EXPORT(winograd_filter_grad)
void winograd_filter_grad(const float *x, const float *dy, float *du, float *v, float *dm, float *tmp, const float *bt, const float *a,
                          int batch, int h, int w, int ci, int oh, int ow, int co, int n, int m, int top, int left, int block) {
  const int tiles_h = (oh + m - 1) / m, tiles_w = (ow + m - 1) / m;
  const long tiles = (long)batch * tiles_h * tiles_w;
  __builtin_memset(du, 0, (unsigned long)n * n * ci * co * sizeof(float));
  for (long t0 = 0; t0 < tiles; t0 += block) {
    const long t1 = tiles - t0 < block ? tiles : t0 + block;
    const int rows = (int)(t1 - t0);
    tiles_in(x, v, tmp, bt, h, w, ci, n, n, m, tiles_h, tiles_w, top, left, t0, t1);
    tiles_in(dy, dm, tmp, a, oh, ow, co, m, n, m, tiles_h, tiles_w, 0, 0, t0, t1);
    for (int p = 0; p < n * n; p++) gemm_tn_add(v + (long)p * rows * ci, dm + (long)p * rows * co, du + (long)p * ci * co, rows, ci, co);
  }
}
