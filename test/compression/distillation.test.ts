import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import { CompressionWrapper, Distiller, QAT_Quantizer, distillationLoss } from '../../src/compression/index.js';
import { denseNet } from './fixtures.js';

await useTestBackend();

test('distillationLoss = α·CE + β·T²·KL(softmax(t/T) ‖ softmax(s/T)), by hand', async () => {
  const T = 2, alpha = 0.5, beta = 1;
  const loss = distillationLoss(tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 1]]), { temperature: T, alpha, beta });
  const ce = Math.log(1 + Math.exp(-1));
  const p = 1 / (1 + Math.exp(-0.5)); // the larger of the two softened probabilities
  const kl = (p - (1 - p)) * 0.5; // Σ pt·ln(pt/ps) with ln(p/(1−p)) = 0.5
  assert.ok(Math.abs((await loss.data())[0]! - (alpha * ce + beta * T * T * kl)) < 1e-5);
  // A student that matches its teacher pays only the cross-entropy.
  const same = distillationLoss(tf.tensor2d([[0, 1]]), tf.tensor2d([[2, -1]]), tf.tensor2d([[2, -1]]), { alpha: 1, beta: 3 });
  assert.ok(Math.abs((await same.data())[0]! - Math.log(1 + Math.exp(3))) < 1e-5);
});

test('Distiller.fit fine-tunes a compressed student against its teacher and drives the compressor hooks', async () => {
  const teacher = denseNet(4, 5);
  const quantizer = new QAT_Quantizer(teacher, [{ opTypes: 'default', quantTypes: ['weight', 'output'] }]);
  const student = quantizer.compress();
  const x = tf.randomNormal([32, 4], 0, 1, 'float32', 9);
  const labels = tf.oneHot(tf.argMax(teacher.predict(x) as tf.Tensor, 1), 2).toFloat();
  const before = (await (student.getLayer('d1') as CompressionWrapper).innerWeight('kernel').read().data()).slice();
  const losses = await new Distiller(teacher, { temperature: 4 }).fit(student, x, labels, { epochs: 3, batchSize: 8, optimizer: tf.train.adam(0.01), seed: 1, compressors: [quantizer] });
  assert.equal(losses.length, 3);
  assert.ok(losses[2]! < losses[0]!, `loss ${losses}`);
  assert.equal(quantizer.steps, 12);
  assert.equal(quantizer.epoch, 2);
  assert.notDeepEqual(await (student.getLayer('d1') as CompressionWrapper).innerWeight('kernel').read().data(), before);
  assert.ok((await quantizer.trackedRange('d2', 'output')) !== undefined, 'training batches fed the output ranges');
  assert.throws(() => new Distiller(teacher, { temperature: 0 }), /options\.temperature must be a positive number, but got 0/);
});
