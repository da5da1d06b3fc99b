/*
 * Winograd convolution F(m×m, r×r) (Lavin & Gray 2016) for stride-1 convolutions, and its gradients.
 * A convolution becomes n² = (m+r-1)² independent matrix products between transformed input tiles
 * and transformed filters; the transforms are small matrices the caller computes (winograd.ts) and
 * passes in (this module may hold no static data); the tiles' transforms also have them compiled in
 * as constants, checked against the caller's. Layouts: images NHWC; transformed data
 * [n²][tiles][channels], so each of the n² products (gemm.c) reads rows of contiguous channels.
 */
#include <wasm_simd128.h>
#include "gemm.h"
#include "conv-epilogue.h"

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
 * n_out·n_in·c floats. Serves the filter transform (L = G, one tile: the filter as a [1, r, r, Ci·Co]
 * image); the tiles' transforms have specialised code below.
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
 * The transforms of the tiles Squish uses, n = 4, 6 or 7 (F(2×2, 3×3), F(4×4, 3×3) and F(2×2, 5×5),
 * F(3×3, 5×5)), on at least 4 channels, taken in fours: every output is summed in registers, where
 * the general code above adds into memory one term at a time (it took 40 % of a Winograd BigCNN
 * step). Always inlined with constant sizes, so the loops over n unroll. Sums are pairwise: for
 * n = 6, ((t0 + t1) + (t2 + t3)) + (t4 + t5).
 *
 * The input transforms (Bᵀ), the output transforms (Aᵀ) and the output-gradient transforms of the
 * filter gradient (A) have their coefficients compiled in, as constants: a zero coefficient's term
 * is left out (a third of Bᵀ's) and ±1 needs no multiply, with the same pairwise order, so the same
 * sums. The callers' matrices (winograd.ts computes them) are checked against these constants.
 * Other matrices (the filter's G, Gᵀ) are read at run time.
 */
#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("clang loop unroll(full)")

/* Where a transform's coefficients come from: the caller's matrix, or a constant matrix of n and m. */
enum matrix { RUNTIME, BT, AT, A };

/* The interpolation points of winograd.ts (POINTS), the first n − 1 of which make F(m, n − m + 1). */
INLINE float point(int j) {
  return j == 0 ? 1.0f : j == 1 ? -1.0f : j == 2 ? 2.0f : j == 3 ? 0.5f : j == 4 ? -0.5f : 0.0f;
}

INLINE float power(float p, int e) {
  float r = 1;
  for (int k = 0; k < e; k++) r *= p;
  return r;
}

/* Aᵀ[i][j] (m × n) = p_j^i, as winograd.ts's evaluation matrix transposed; the last column, the point at infinity, is 1 in the last row. */
INLINE float at_coef(int m, int n, int i, int j) {
  return j == n - 1 ? (i == m - 1 ? 1.0f : 0.0f) : power(point(j), i);
}

/* Bᵀ (n × n), as winograd.ts computes it (an inverse Vandermonde matrix, scaled): its entries are exact in float32. */
INLINE float bt_coef(int n, int i, int j) {
  const float bt4[16] = {-2, -1, 1, 0, 2, -3, 1, 0, -1, 0, 1, 0, 2, -1, -2, 1};
  const float bt6[36] = {0.5f, 0.25f, -2.25f, -1, 1, 0, -0.5f, 0.75f, 1.75f, -3, 1, 0, 0.25f, 0, -1.25f, 0, 1, 0,
                         1, 1.5f, -2, -1.5f, 1, 0, -1, 2.5f, 0, -2.5f, 1, 0, -0.5f, 0.25f, 2.5f, -1.25f, -2, 1};
  const float bt7[49] = {0, 0.5f, 0.25f, -2.25f, -1, 1, 0, 0, -0.5f, 0.75f, 1.75f, -3, 1, 0, 0, 0.25f, 0, -1.25f, 0, 1, 0,
                         0, 1, 1.5f, -2, -1.5f, 1, 0, 0, -1, 2.5f, 0, -2.5f, 1, 0, -0.5f, 0.25f, 2.5f, -1.25f, -2, 1, 0,
                         0, -0.5f, 0.25f, 2.5f, -1.25f, -2, 1};
  return n == 4 ? bt4[i * 4 + j] : n == 6 ? bt6[i * 6 + j] : bt7[i * 7 + j];
}

/* Entry (i, j) of an L with `cols` columns: the caller's l, or the constant matrix of n and m. */
INLINE float coef(enum matrix kind, const float *l, int n, int m, int cols, int i, int j) {
  switch (kind) {
    case BT: return bt_coef(n, i, j);
    case AT: return at_coef(m, n, i, j);
    case A: return at_coef(m, n, j, i);
    default: return l[i * cols + j];
  }
}

/* Whether the caller's l (rows × cols) is the constant matrix `kind` of n and m. */
INLINE int is_matrix(enum matrix kind, const float *l, int n, int m, const int rows, const int cols) {
  int same = 1;
  UNROLL for (int i = 0; i < rows; i++)
    UNROLL for (int j = 0; j < cols; j++) same &= l[i * cols + j] == coef(kind, 0, n, m, cols, i, j);
  return same;
}

/*
 * q over 0, 4, 8, … < len in vectors of 4, the last one moved back to end at len (overlapping the one
 * before when len % 4 ≠ 0; len ≥ 4): every value is independent, so a lane written twice gets the
 * same value twice, and channel counts need not be multiples of 4 (a pruned layer's often are not).
 */
#define FOR_VECTORS(q, len) for (int q##_ = 0, q; q##_ < (len) && (q = q##_ + 4 <= (len) ? q##_ : (len) - 4, 1); q##_ += 4)

/* Row i of L (n_out × n_in, `cols` = n_in) as coefficients k[0..n_in), broadcast into kv where they are read at run time. */
INLINE void load_row(enum matrix kind, const float *l, int n, int m, int i, float *k, v128_t *kv, const int n_in) {
  UNROLL for (int j = 0; j < n_in; j++) {
    k[j] = coef(kind, l, n, m, n_in, i, j);
    kv[j] = wasm_f32x4_splat(k[j]);
  }
}

/*
 * Σ_i k[i] · v[i], pairwise. With constant coefficients (kind ≠ RUNTIME) the terms whose coefficient
 * is 0 are left out of the tree (adding them would add ±0) and ±1 takes no multiply.
 */
INLINE v128_t dot(enum matrix kind, const float *k, const v128_t *kv, const v128_t *v, const int n) {
  v128_t t[7];
  int live[7];
  UNROLL for (int i = 0; i < n; i++) {
    live[i] = kind == RUNTIME || k[i] != 0;
    if (!live[i]) continue;
    t[i] = kind != RUNTIME && k[i] == 1 ? v[i] : kind != RUNTIME && k[i] == -1 ? wasm_f32x4_neg(v[i]) : wasm_f32x4_mul(kv[i], v[i]);
  }
  UNROLL for (int w = 1; w < n; w *= 2)
    UNROLL for (int i = 0; i + w < n; i += 2 * w)
      if (live[i + w]) {
        t[i] = live[i] ? wasm_f32x4_add(t[i], t[i + w]) : t[i + w];
        live[i] = 1;
      }
  return live[0] ? t[0] : wasm_f32x4_splat(0);
}

/* The n_in vectors p[i·stride]. */
INLINE void load_column(v128_t *v, const float *p, long stride, const int n_in) {
  UNROLL for (int i = 0; i < n_in; i++) v[i] = wasm_v128_load(p + i * stride);
}

/*
 * tiles_in for a constant L (Bᵀ: n_in = n_out = n; A: n_in = m, n_out = n) and c ≥ 4; `buf` holds
 * n_in² · c + n_out · n_in · c floats (the tile, then tmp). Each pass loads a column of n_in vectors
 * once and makes all n_out sums from it. A tile row inside the image is read where it lies; rows
 * that cross the image's edge are copied into `buf` with zeros.
 */
INLINE void tiles_in_c(const float *src, float *dst, float *buf, enum matrix kind, int h, int w, int c, int step, int tiles_h,
                       int tiles_w, int top, int left, long t0, long t1, const int n, const int m, const int n_in, const int n_out) {
  const long plane = (t1 - t0) * c;
  const int row = n_in * c;
  float *tile = buf, *tmp = buf + n_in * row;
  float k[7][7];
  v128_t kv[7][7], v[7];
  UNROLL for (int xi = 0; xi < n_out; xi++) load_row(kind, 0, n, m, xi, k[xi], kv[xi], n_in);
  for (long t = t0; t < t1; t++) {
    const int b = t / ((long)tiles_h * tiles_w), ty = t / tiles_w % tiles_h, tx = t % tiles_w;
    const int y0 = ty * step - top, x0 = tx * step - left;
    const float *rows[7];
    UNROLL for (int i = 0; i < n_in; i++) {
      float *trow = tile + i * row;
      const float *srow = src + ((long)b * h + y0 + i) * w * c;
      if (y0 + i < 0 || y0 + i >= h) {
        FOR_VECTORS(q, row) wasm_v128_store(trow + q, wasm_f32x4_splat(0));
        rows[i] = trow;
      } else if (x0 >= 0 && x0 + n_in <= w) {
        rows[i] = srow + (long)x0 * c;
      } else {
        for (int j = 0; j < n_in; j++)
          FOR_VECTORS(q, c)
            wasm_v128_store(trow + j * c + q, x0 + j >= 0 && x0 + j < w ? wasm_v128_load(srow + (long)(x0 + j) * c + q) : wasm_f32x4_splat(0));
        rows[i] = trow;
      }
    }
    FOR_VECTORS(q, row) { /* tmp[ξ][j] = Σ_i L[ξ][i] · tile[i][j] */
      UNROLL for (int i = 0; i < n_in; i++) v[i] = wasm_v128_load(rows[i] + q);
      UNROLL for (int xi = 0; xi < n_out; xi++) wasm_v128_store(tmp + xi * row + q, dot(kind, k[xi], kv[xi], v, n_in));
    }
    for (int xi = 0; xi < n_out; xi++) { /* out[ξ][ν] = Σ_j L[ν][j] · tmp[ξ][j] */
      float *out = dst + (long)xi * n_out * plane + (t - t0) * c;
      FOR_VECTORS(q, c) {
        load_column(v, tmp + xi * row + q, c, n_in);
        UNROLL for (int nu = 0; nu < n_out; nu++) wasm_v128_store(out + nu * plane + q, dot(kind, k[nu], kv[nu], v, n_in));
      }
    }
  }
}

/*
 * The inverse direction, for tiles t0..t1-1 of src ([n²][t1 - t0][c], c ≥ 4): tile t of the image
 * gets y[i][j] = Σ_ξν L[i][ξ] · src[ξ][ν] · L[j][ν], L being m × n, for the rows ty·m + i and columns
 * tx·m + j inside the [batch, h, w, c] image, then + bias[c] (unless null) and max(·, 0) if `relu`
 * (FusedConv2D's epilogue, applied as each output is stored). Serves the output transform (L = Aᵀ,
 * constant) and, with one tile, the filter gradient's last step (L = Gᵀ, at run time, image
 * [1, r, r, Ci·Co]). `tmp` holds n·m·c floats.
 */
INLINE void tiles_out_n(const float *src, float *dst, float *tmp, enum matrix kind, const float *l, const float *bias, int relu, int h,
                        int w, int c, int tiles_h, int tiles_w, long t0, long t1, const int n, const int m) {
  const long plane = (t1 - t0) * c;
  float k[7][7];
  v128_t kv[7][7], v[7];
  UNROLL for (int i = 0; i < m; i++) load_row(kind, l, n, m, i, k[i], kv[i], n);
  for (long t = t0; t < t1; t++) {
    const int b = t / ((long)tiles_h * tiles_w), ty = t / tiles_w % tiles_h, tx = t % tiles_w;
    const int rows = h - ty * m < m ? h - ty * m : m, cols = w - tx * m < m ? w - tx * m : m;
    for (int nu = 0; nu < n; nu++) { /* tmp[i][ν] = Σ_ξ L[i][ξ] · src[ξ][ν] */
      const float *in = src + (long)nu * plane + (t - t0) * c;
      FOR_VECTORS(q, c) {
        load_column(v, in + q, n * plane, n);
        UNROLL for (int i = 0; i < m; i++) wasm_v128_store(tmp + (i * n + nu) * c + q, dot(kind, k[i], kv[i], v, n));
      }
    }
    for (int i = 0; i < rows; i++) { /* y[i][j] = Σ_ν L[j][ν] · tmp[i][ν], for the columns inside the image */
      float *out = dst + (((long)b * h + ty * m + i) * w + tx * m) * c;
      FOR_VECTORS(q, c) {
        load_column(v, tmp + i * n * c + q, c, n);
        UNROLL for (int j = 0; j < m; j++) {
          if (j < cols) wasm_v128_store(out + j * c + q, conv_epilogue(dot(kind, k[j], kv[j], v, n), bias, relu, q));
        }
      }
    }
  }
}

/* The (n, m) of every Winograd tile winograd.ts chooses, as constants for `body`; any other traps. */
#define FOR_TILE(n, m, body)                                                   \
  do {                                                                         \
    if (n == 4 && m == 2) { const int N_ = 4, M_ = 2; body; }                  \
    else if (n == 6 && m == 2) { const int N_ = 6, M_ = 2; body; }             \
    else if (n == 6 && m == 4) { const int N_ = 6, M_ = 4; body; }             \
    else if (n == 7 && m == 3) { const int N_ = 7, M_ = 3; body; }             \
    else __builtin_trap();                                                     \
  } while (0)

/* Input tiles → Bᵀ·d·B, `tmp` 2·n²·c floats. */
static void tiles_in_bt(const float *src, float *dst, float *tmp, int h, int w, int c, int n, int m, int tiles_h, int tiles_w, int top,
                        int left, long t0, long t1) {
  if (c < 4) __builtin_trap();
  FOR_TILE(n, m, tiles_in_c(src, dst, tmp, BT, h, w, c, M_, tiles_h, tiles_w, top, left, t0, t1, N_, M_, N_, N_));
}

/* Output-gradient tiles (m × m, stride m) → A·dY·Aᵀ, `tmp` 2·n·m·c floats. */
static void tiles_in_a(const float *src, float *dst, float *tmp, int h, int w, int c, int n, int m, int tiles_h, int tiles_w, long t0,
                       long t1) {
  if (c < 4) __builtin_trap();
  FOR_TILE(n, m, tiles_in_c(src, dst, tmp, A, h, w, c, M_, tiles_h, tiles_w, 0, 0, t0, t1, N_, M_, M_, N_));
}

/* Products → outputs through Aᵀ, plus the epilogue; `tmp` m·n·c floats. */
static void tiles_out_at(const float *src, float *dst, float *tmp, const float *bias, int relu, int h, int w, int c, int n, int m,
                         int tiles_h, int tiles_w, long t0, long t1) {
  if (c < 4) __builtin_trap();
  FOR_TILE(n, m, tiles_out_n(src, dst, tmp, AT, 0, bias, relu, h, w, c, tiles_h, tiles_w, t0, t1, N_, M_));
}

/* Traps unless the caller's matrix is the compiled-in one: winograd.ts and this file must agree. */
static void check_matrix(enum matrix kind, const float *l, int n, int m) {
  int same = 0;
  if (kind == BT) FOR_TILE(n, m, same = is_matrix(BT, l, N_, M_, N_, N_));
  else if (kind == AT) FOR_TILE(n, m, same = is_matrix(AT, l, N_, M_, M_, N_));
  else FOR_TILE(n, m, same = is_matrix(A, l, N_, M_, N_, M_));
  if (!same) __builtin_trap();
}

/* The filter transform (L = G or its flipped columns, n_in = r, n_out = n) for winograd.ts. */
EXPORT(winograd_tiles_in)
void winograd_tiles_in(const float *src, float *dst, float *tmp, const float *l, int batch, int h, int w, int c, int n_in,
                       int n_out, int step, int tiles_h, int tiles_w, int top, int left) {
  tiles_in_any(src, dst, tmp, l, h, w, c, n_in, n_out, step, tiles_h, tiles_w, top, left, 0, (long)batch * tiles_h * tiles_w);
}

/* The filter gradient's last step, dW = Gᵀ·dU·G: one n × n tile of [1, r, r, c] (c = Ci·Co ≥ 4), L = Gᵀ. */
EXPORT(winograd_tiles_out)
void winograd_tiles_out(const float *src, float *dst, float *tmp, const float *l, int batch, int h, int w, int c, int n, int m,
                        int tiles_h, int tiles_w) {
  const long t1 = (long)batch * tiles_h * tiles_w;
  if (c < 4) __builtin_trap();
  /* m = r here: the (n, r) of the tiles winograd.ts chooses */
  if (n == 4 && m == 3) tiles_out_n(src, dst, tmp, RUNTIME, l, 0, 0, h, w, c, tiles_h, tiles_w, 0, t1, 4, 3);
  else if (n == 6 && m == 5) tiles_out_n(src, dst, tmp, RUNTIME, l, 0, 0, h, w, c, tiles_h, tiles_w, 0, t1, 6, 5);
  else if (n == 6 && m == 3) tiles_out_n(src, dst, tmp, RUNTIME, l, 0, 0, h, w, c, tiles_h, tiles_w, 0, t1, 6, 3);
  else if (n == 7 && m == 5) tiles_out_n(src, dst, tmp, RUNTIME, l, 0, 0, h, w, c, tiles_h, tiles_w, 0, t1, 7, 5);
  else __builtin_trap();
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
  check_matrix(BT, bt, n, m);
  check_matrix(AT, at, n, m);
  for (long t0 = 0; t0 < tiles; t0 += block) {
    const long t1 = tiles - t0 < block ? tiles : t0 + block;
    const int rows = (int)(t1 - t0);
    tiles_in_bt(x, v, tmp, h, w, ci, n, m, tiles_h, tiles_w, top, left, t0, t1);
    for (int p = 0; p < n * n; p++) gemm_nn(v + (long)p * rows * ci, u + (long)p * ci * co, mm + (long)p * rows * co, rows, ci, co);
    tiles_out_at(mm, y, tmp, bias, relu, oh, ow, co, n, m, tiles_h, tiles_w, t0, t1);
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
  check_matrix(BT, bt, n, m);
  check_matrix(A, a, n, m);
  __builtin_memset(du, 0, (unsigned long)n * n * ci * co * sizeof(float));
  for (long t0 = 0; t0 < tiles; t0 += block) {
    const long t1 = tiles - t0 < block ? tiles : t0 + block;
    const int rows = (int)(t1 - t0);
    tiles_in_bt(x, v, tmp, h, w, ci, n, m, tiles_h, tiles_w, top, left, t0, t1);
    tiles_in_a(dy, dm, tmp, oh, ow, co, n, m, tiles_h, tiles_w, t0, t1);
    for (int p = 0; p < n * n; p++) gemm_tn_add(v + (long)p * rows * ci, dm + (long)p * rows * co, du + (long)p * ci * co, rows, ci, co);
  }
}
