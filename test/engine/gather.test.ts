/**
 * Regression: the row gather read its index count from a heap view after allocating the output; when
 * that allocation grew the wasm heap the view detached and no row was copied. A fresh process (this
 * file runs in its own) gathering a large set, as the epoch shuffle does, grows the heap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend.js';

await initBackend('wasm');

test('gathering 8000 rows of 784 right after start-up copies every row', async () => {
  const rows = 8000, cols = 784;
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) values.fill(r, r * cols, (r + 1) * cols);
  const perm = Int32Array.from({ length: rows }, (_, i) => (i * 7919) % rows);
  const x = tf.tensor2d(values, [rows, cols]);
  const gathered = tf.gather(x, tf.tensor1d(perm, 'int32'));
  const out = await gathered.data();
  let wrong = 0;
  for (let r = 0; r < rows; r++) if (out[r * cols] !== perm[r] || out[r * cols + cols - 1] !== perm[r]) wrong++;
  assert.equal(wrong, 0);
});
