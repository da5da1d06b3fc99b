/*
 * Squish's own WebAssembly SIMD kernels. They run on the tfjs-backend-wasm heap: the module imports
 * that heap's memory, and every pointer below is a tensor's offset in it, so no data is copied in or
 * out. No static data and no shadow stack, so nothing of ours lives in (and clobbers) tfjs memory.
 * All layouts are NHWC, float32. Build: see build.sh; the loader checks the binary's hash.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/*
 * MaxPoolGrad, the common case: windows tile the input (stride = window, no padding). Each input
 * pixel lies in one window, so dx is written once, with no zero-fill and no scatter: the first
 * position equal to the window's maximum takes dy. A window of -inf or NaN alone gets no gradient,
 * as on cpu, whose maximum starts at -inf and is replaced only by a greater value.
 */
static void max_pool_grad_tiled(const float *x, const float *dy, float *dx, int batch, int h, int w, int c, int oh,
                                int ow, int fh, int fw) {
  const v128_t none = wasm_f32x4_splat(-__builtin_inff());
  const v128_t zero = wasm_f32x4_splat(0);
  /* Channels four at a time; when c is not a multiple of 4 the last group overlaps the one before,
     whose shared lanes are written again with the same values (no scalar tail). */
  const int vectors = c >= 4 ? c : 0;
  for (int b = 0; b < batch; b++) {
    const float *xb = x + (long)b * h * w * c;
    float *dxb = dx + (long)b * h * w * c;
    for (int r = 0; r < oh; r++) {
      for (int q = 0; q < ow; q++, dy += c) {
        const long corner = ((long)r * fh * w + (long)q * fw) * c;
        for (int k0 = 0; k0 < vectors; k0 += 4) {
          const int k = k0 + 4 <= c ? k0 : c - 4;
          v128_t best = none;
          for (int i = 0; i < fh; i++)
            for (int j = 0; j < fw; j++) {
              const v128_t v = wasm_v128_load(xb + corner + ((long)i * w + j) * c + k);
              best = wasm_v128_bitselect(v, best, wasm_f32x4_gt(v, best));
            }
          const v128_t g = wasm_v128_load(dy + k);
          v128_t open = wasm_f32x4_gt(best, none); /* lanes whose gradient is still to place */
          for (int i = 0; i < fh; i++)
            for (int j = 0; j < fw; j++) {
              const long p = corner + ((long)i * w + j) * c + k;
              const v128_t hit = wasm_v128_and(open, wasm_f32x4_eq(wasm_v128_load(xb + p), best));
              wasm_v128_store(dxb + p, wasm_v128_bitselect(g, zero, hit));
              open = wasm_v128_andnot(open, hit);
            }
        }
        for (int k = vectors; k < c; k++) { /* the same, one channel at a time */
          float best = -__builtin_inff();
          for (int i = 0; i < fh; i++)
            for (int j = 0; j < fw; j++) {
              const float v = xb[corner + ((long)i * w + j) * c + k];
              if (v > best) best = v;
            }
          int open = best > -__builtin_inff();
          for (int i = 0; i < fh; i++)
            for (int j = 0; j < fw; j++) {
              const long p = corner + ((long)i * w + j) * c + k;
              const int hit = open && xb[p] == best;
              dxb[p] = hit ? dy[k] : 0;
              open = open && !hit;
            }
        }
      }
      /* Columns right of the last window (w not a multiple of fw) get no gradient. */
      for (int i = 0; i < fh; i++) {
        const long start = (((long)r * fh + i) * w + (long)ow * fw) * c;
        for (long p = start; p < start + (long)(w - ow * fw) * c; p++) dxb[p] = 0;
      }
    }
    /* Rows below the last window likewise. */
    for (long p = (long)oh * fh * w * c; p < (long)h * w * c; p++) dxb[p] = 0;
  }
}

/*
 * MaxPoolGrad: dy goes to the first maximum of each window in row-major order (the cpu backend's
 * rule). One pass over the windows, four channels at a time; overlapping or padded windows
 * accumulate into a zeroed dx.
 */
EXPORT(max_pool_grad)
void max_pool_grad(const float *x, const float *dy, float *dx, int batch, int h, int w, int c, int oh, int ow,
                   int fh, int fw, int sh, int sw, int top, int left) {
  if (sh == fh && sw == fw && top == 0 && left == 0 && oh * fh <= h && ow * fw <= w) {
    max_pool_grad_tiled(x, dy, dx, batch, h, w, c, oh, ow, fh, fw);
    return;
  }
  __builtin_memset(dx, 0, (unsigned long)batch * h * w * c * sizeof(float));
  const int c4 = c & ~3;
  for (int b = 0; b < batch; b++) {
    const float *xb = x + (long)b * h * w * c;
    float *dxb = dx + (long)b * h * w * c;
    for (int r = 0; r < oh; r++) {
      const int r0 = r * sh - top < 0 ? 0 : r * sh - top;
      const int r1 = r * sh - top + fh > h ? h : r * sh - top + fh;
      for (int q = 0; q < ow; q++, dy += c) {
        const int q0 = q * sw - left < 0 ? 0 : q * sw - left;
        const int q1 = q * sw - left + fw > w ? w : q * sw - left + fw;
        for (int k = 0; k < c4; k += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t at = wasm_i32x4_splat(-1);
          for (int i = r0; i < r1; i++) {
            for (int j = q0; j < q1; j++) {
              const int p = (i * w + j) * c + k;
              const v128_t v = wasm_v128_load(xb + p);
              const v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              at = wasm_v128_bitselect(wasm_i32x4_make(p, p + 1, p + 2, p + 3), at, gt);
            }
          }
          const int a0 = wasm_i32x4_extract_lane(at, 0), a1 = wasm_i32x4_extract_lane(at, 1);
          const int a2 = wasm_i32x4_extract_lane(at, 2), a3 = wasm_i32x4_extract_lane(at, 3);
          if (a0 >= 0) dxb[a0] += dy[k];
          if (a1 >= 0) dxb[a1] += dy[k + 1];
          if (a2 >= 0) dxb[a2] += dy[k + 2];
          if (a3 >= 0) dxb[a3] += dy[k + 3];
        }
        for (int k = c4; k < c; k++) {
          float best = -__builtin_inff();
          int at = -1;
          for (int i = r0; i < r1; i++) {
            for (int j = q0; j < q1; j++) {
              const int p = (i * w + j) * c + k;
              if (xb[p] > best) {
                best = xb[p];
                at = p;
              }
            }
          }
          if (at >= 0) dxb[at] += dy[k];
        }
      }
    }
  }
}

/*
 * Spatial zero-insertion and padding in one copy: dst[b, i, j, :] = src[b, (i-top)/sh, (j-left)/sw, :]
 * where that division is exact and in range, else 0. Negative top/left crop. This is the input of the
 * stride-1 convolution that computes a strided convolution's input gradient (and a plain pad when
 * sh = sw = 1).
 */
EXPORT(pad_dilate)
void pad_dilate(const float *src, float *dst, int batch, int h, int w, int c, int sh, int sw, int top, int left,
                int dh, int dw) {
  const unsigned long row = (unsigned long)dw * c;
  for (int b = 0; b < batch; b++) {
    const float *sb = src + (long)b * h * w * c;
    for (int i = 0; i < dh; i++, dst += row) {
      const int si = i - top;
      if (si < 0 || si % sh != 0 || si / sh >= h) {
        __builtin_memset(dst, 0, row * sizeof(float));
        continue;
      }
      const float *srow = sb + (long)(si / sh) * w * c;
      if (sw == 1) {
        /* A row is [zeros | a contiguous run of src | zeros]. */
        const int j0 = left < 0 ? 0 : left;
        const int j1 = left + w > dw ? dw : left + w;
        __builtin_memset(dst, 0, (unsigned long)j0 * c * sizeof(float));
        if (j1 > j0) __builtin_memcpy(dst + (long)j0 * c, srow + (long)(j0 - left) * c, (unsigned long)(j1 - j0) * c * sizeof(float));
        __builtin_memset(dst + (long)(j1 > j0 ? j1 : j0) * c, 0, (unsigned long)(dw - (j1 > j0 ? j1 : j0)) * c * sizeof(float));
        continue;
      }
      for (int j = 0; j < dw; j++) {
        const int sj = j - left;
        if (sj < 0 || sj % sw != 0 || sj / sw >= w) __builtin_memset(dst + (long)j * c, 0, (unsigned long)c * sizeof(float));
        else __builtin_memcpy(dst + (long)j * c, srow + (long)(sj / sw) * c, (unsigned long)c * sizeof(float));
      }
    }
  }
}

/* out[j] = sum over i of x[i, j] for x [rows, cols]: Sum over leading axes (bias gradients). */
EXPORT(sum_rows)
void sum_rows(const float *x, float *out, int rows, int cols) {
  const int c4 = cols & ~3;
  /* Blocks of 16 columns keep four accumulators in registers while x streams through. */
  int j = 0;
  for (; j + 16 <= c4; j += 16) {
    v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (int i = 0; i < rows; i++) {
      const float *p = x + (long)i * cols + j;
      a0 = wasm_f32x4_add(a0, wasm_v128_load(p));
      a1 = wasm_f32x4_add(a1, wasm_v128_load(p + 4));
      a2 = wasm_f32x4_add(a2, wasm_v128_load(p + 8));
      a3 = wasm_f32x4_add(a3, wasm_v128_load(p + 12));
    }
    wasm_v128_store(out + j, a0);
    wasm_v128_store(out + j + 4, a1);
    wasm_v128_store(out + j + 8, a2);
    wasm_v128_store(out + j + 12, a3);
  }
  for (; j < c4; j += 4) {
    v128_t a = wasm_f32x4_splat(0);
    for (int i = 0; i < rows; i++) a = wasm_f32x4_add(a, wasm_v128_load(x + (long)i * cols + j));
    wasm_v128_store(out + j, a);
  }
  for (; j < cols; j++) {
    float a = 0;
    for (int i = 0; i < rows; i++) a += x[(long)i * cols + j];
    out[j] = a;
  }
}

/* dst row i = src row idx[i], rows of `row_bytes`; the caller has checked the indices. */
EXPORT(gather_rows)
void gather_rows(const char *src, const int *idx, char *dst, int n, int row_bytes) {
  for (int i = 0; i < n; i++, dst += row_bytes) __builtin_memcpy(dst, src + (long)idx[i] * row_bytes, (unsigned long)row_bytes);
}

/* out[i, j] = x[i, j] + bias[j] for x [rows, cols]: a layer's bias add (the stock broadcasting Add is slow). */
EXPORT(add_bias)
void add_bias(const float *x, const float *bias, float *out, int rows, int cols) {
  const int vectors = cols >= 4 ? cols : 0; /* the last group of 4 overlaps the one before, as in max_pool_grad */
  for (int i = 0; i < rows; i++, x += cols, out += cols) {
    for (int j0 = 0; j0 < vectors; j0 += 4) {
      const int j = j0 + 4 <= cols ? j0 : cols - 4;
      wasm_v128_store(out + j, wasm_f32x4_add(wasm_v128_load(x + j), wasm_v128_load(bias + j)));
    }
    for (int j = vectors; j < cols; j++) out[j] = x[j] + bias[j];
  }
}

/*
 * ReLU's gradient in one pass: dx = dy where x > 0, NaN where x is NaN, else 0 — tfjs-core's
 * dy · cast(step(x)) without its two intermediate tensors.
 */
EXPORT(relu_grad)
void relu_grad(const float *dy, const float *x, float *dx, int n) {
  const int n4 = n & ~3;
  const v128_t zero = wasm_f32x4_splat(0);
  const v128_t nan = wasm_f32x4_splat(__builtin_nanf(""));
  int i = 0;
  for (; i < n4; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    const v128_t pass = wasm_v128_bitselect(wasm_v128_load(dy + i), zero, wasm_f32x4_gt(v, zero));
    wasm_v128_store(dx + i, wasm_v128_bitselect(pass, nan, wasm_f32x4_eq(v, v)));
  }
  for (; i < n; i++) dx[i] = x[i] != x[i] ? x[i] : x[i] > 0 ? dy[i] : 0;
}
