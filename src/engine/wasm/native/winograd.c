/*
 * Winograd convolution F(m×m, r×r) (Lavin & Gray 2016) for stride-1 convolutions, and its gradients.
 * A convolution becomes n² = (m+r-1)² independent matrix products between transformed input tiles
 * and transformed filters; the transforms are small matrices the caller computes (winograd.ts) and
 * passes in, because this module may hold no static data. Layouts: images NHWC; transformed data
 * [n²][tiles][channels], so each of the n² products reads rows of contiguous channels.
 */
#include <wasm_simd128.h>

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
 * Two-sided transform of every tile: out[ξ][ν] = Σ_ij L[ξ][i] · tile[i][j] · L[ν][j], L being
 * n_out × n_in. Tile (b, ty, tx) is image rows ty·step - top + [0, n_in) and columns likewise, zero
 * outside the image. Written to dst[(ξ·n_out + ν)·tiles + t][c]; `tmp` holds n_out·n_in·c floats.
 * Serves the input transform (L = Bᵀ), the filter transform (L = G, one tile: the filter as a
 * [1, r, r, Ci·Co] image) and the transform of dy tiles for the filter gradient (L = A).
 */
EXPORT(winograd_tiles_in)
void winograd_tiles_in(const float *src, float *dst, float *tmp, const float *l, int batch, int h, int w, int c, int n_in,
                       int n_out, int step, int tiles_h, int tiles_w, int top, int left) {
  const long tiles = (long)batch * tiles_h * tiles_w;
  const long plane = tiles * c;
  long t = 0;
  for (int b = 0; b < batch; b++)
    for (int ty = 0; ty < tiles_h; ty++)
      for (int tx = 0; tx < tiles_w; tx++, t++) {
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
            float *out = dst + (long)(xi * n_out + nu) * plane + t * c;
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
 * The inverse direction: tile t of the image gets y[i][j] = Σ_ξν L[i][ξ] · src[ξ][ν] · L[j][ν]
 * L being m × n, for the rows ty·m + i and columns tx·m + j inside the [batch, h, w, c]
 * image. Serves the output transform (L = Aᵀ) and, with one tile, the filter gradient's last step
 * (L = Gᵀ, image [1, r, r, Ci·Co]). `tmp` holds m·n·c floats.
 */
EXPORT(winograd_tiles_out)
void winograd_tiles_out(const float *src, float *dst, float *tmp, const float *l, int batch, int h, int w,
                        int c, int n, int m, int tiles_h, int tiles_w) {
  const long tiles = (long)batch * tiles_h * tiles_w;
  const long plane = tiles * c;
  long t = 0;
  for (int b = 0; b < batch; b++)
    for (int ty = 0; ty < tiles_h; ty++)
      for (int tx = 0; tx < tiles_w; tx++, t++) {
        const int rows = h - ty * m < m ? h - ty * m : m, cols = w - tx * m < m ? w - tx * m : m;
        for (long i = 0; i < (long)rows * n * c; i++) tmp[i] = 0;
        /* tmp[i][ν] = Σ_ξ L[i][ξ] · src[ξ][ν] */
        for (int xi = 0; xi < n; xi++)
          for (int nu = 0; nu < n; nu++) {
            const float *in = src + (long)(xi * n + nu) * plane + t * c;
            for (int i = 0; i < rows; i++) {
              const float coef = l[i * n + xi];
              if (coef != 0) axpy(tmp + ((long)i * n + nu) * c, in, coef, c);
            }
          }
        /* y[i][j] = Σ_ν L[j][ν] · tmp[i][ν] */
        for (int i = 0; i < rows; i++)
          for (int j = 0; j < cols; j++) {
            float *out = dst + (((long)b * h + ty * m + i) * w + tx * m + j) * c;
            const float *lrow = l + j * n;
            const float *trow = tmp + (long)i * n * c;
            int k = 0;
            for (; k + 4 <= c; k += 4) {
              v128_t acc = wasm_f32x4_splat(0);
              for (int nu = 0; nu < n; nu++)
                if (lrow[nu] != 0) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(lrow[nu]), wasm_v128_load(trow + (long)nu * c + k)));
              wasm_v128_store(out + k, acc);
            }
            for (; k < c; k++) {
              float acc = 0;
              for (int nu = 0; nu < n; nu++) acc += lrow[nu] * trow[(long)nu * c + k];
              out[k] = acc;
            }
          }
      }
}
