/* The matrix products of gemm.c, row-major float32. */
#ifndef SQUISH_GEMM_H
#define SQUISH_GEMM_H

/* c = a · b: a rows × k, b k × cols, c rows × cols (overwritten). */
void gemm_nn(const float *a, const float *b, float *c, int rows, int k, int cols);
/* c += aᵀ · b: a rows × k, b rows × cols, c k × cols; the sum runs over rows. */
void gemm_tn_add(const float *a, const float *b, float *c, int rows, int k, int cols);

#endif
