/**
 * Training progress as tfjs callbacks: on a TTY one line redrawn in place (epoch, bar, batches,
 * samples/s, loss); otherwise one plain line per epoch, which logs and CI read well.
 */
import type * as tf from '@tensorflow/tfjs';
import type { CommandIO } from './command.js';

export interface ProgressOptions {
  readonly epochs: number;
  readonly samples: number;
  readonly batchSize: number;
  readonly io: CommandIO;
}

export interface TrainingProgress {
  readonly callback: tf.CustomCallbackArgs;
  /** Training samples per second over all epochs so far. */
  samplesPerSecond(): number;
}

const BAR_WIDTH = 24;

export function trainingProgress({ epochs, samples, batchSize, io }: ProgressOptions): TrainingProgress {
  const batches = Math.ceil(samples / batchSize);
  const tty = io.stderr.isTTY === true;
  let trainedSeconds = 0;
  let trainedSamples = 0;
  let epochStart = 0;
  let epoch = 0;
  const rate = (done: number) => (trainedSamples + done) / Math.max(1e-9, trainedSeconds + (performance.now() - epochStart) / 1000);
  const line = (done: number, loss: number) => {
    const filled = Math.round((BAR_WIDTH * done) / batches);
    return `epoch ${epoch + 1}/${epochs} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${batches} batches  ${Math.round(rate(Math.min(samples, done * batchSize)))} samples/s  loss ${loss.toFixed(4)}`;
  };
  const callback: tf.CustomCallbackArgs = {
    onEpochBegin: (e) => {
      epoch = e;
      epochStart = performance.now();
    },
    onBatchEnd: (batch, logs) => {
      if (tty) io.stderr.write(`\r${line(batch + 1, logs?.loss ?? NaN)}`);
    },
    onEpochEnd: (_e, logs) => {
      trainedSeconds += (performance.now() - epochStart) / 1000;
      trainedSamples += samples;
      const text = line(batches, logs?.loss ?? NaN);
      io.stderr.write(tty ? `\r${text}\n` : `${text}\n`);
    },
  };
  return { callback, samplesPerSecond: () => trainedSamples / Math.max(1e-9, trainedSeconds) };
}
