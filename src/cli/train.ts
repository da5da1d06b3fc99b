/** `squish train <trial>`: trains a trial's model on its data, evaluates it and saves it. */
import { basename, join } from 'node:path';
import { z } from 'zod';
import { initBackend, resolveBackendName } from '../engine/backend.js';
import { saveModel } from '../engine/model-io.js';
import { evaluateModel, fitModel } from '../../trials/training.js';
import { intFlag, positiveFlag, type Command } from './command.js';
import { trainingProgress } from './progress.js';
import { resolveTrial, USER_TRIAL_OPTIONS, userTrialFlags } from './trial-args.js';

const schema = z.object({
  _: z.array(z.string()).length(1, 'must name one trial (e.g. mnist-lenet)'),
  epochs: intFlag(1),
  seed: intFlag(0),
  batchSize: intFlag(1),
  lr: positiveFlag(),
  backend: z.string().optional(),
  out: z.string().optional(),
  json: z.boolean().optional(),
  ...userTrialFlags,
});

export const trainCommand: Command<z.output<typeof schema>> = {
  name: 'train',
  summary: 'train and evaluate a trial\'s model, and save it',
  help: `Usage: squish train <trial> [options]

Trains the trial's model on its training split, evaluates it on the test split and saves it as a
TF.js model directory. Built-in trials: mnist-lenet (LeNet-5), mnist-cnn (BigCNN).
<trial> may also be your own TF.js model directory (model.json + weights); then give its data:
  --train-images F --train-labels F --test-images F --test-labels F   IDX files (.gz allowed)
  --loss NAME       softmax-cross-entropy (model outputs logits) | categorical-crossentropy (softmax)

Options:
  --epochs N        training epochs (default: the trial's, 3 for mnist-lenet)
  --seed N          seed of the initial weights and the shuffles (default 0)
  --batch-size N    batch size (default 64)
  --lr X            Adam learning rate (default 0.001)
  --backend NAME    auto | wasm | webgpu | tensorflow | cpu (default: $SQUISH_BACKEND or auto)
                    (on wasm, stride-1 3×3 and 5×5 convolutions train and predict by Winograd;
                    SQUISH_WINOGRAD=0: directly; SQUISH_STOCK_INFERENCE=1: predict on stock XNNPACK)
  --out DIR         where to save the model (default ./squish-models/<trial>)
  --json            print the result as JSON on stdout
  -h, --help        show this help`,
  options: {
    epochs: { type: 'string' },
    seed: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    backend: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    ...USER_TRIAL_OPTIONS,
  },
  schema,
  async run(args, io) {
    const trial = resolveTrial(args._[0]!, args);
    const backend = await initBackend(resolveBackendName(args.backend));
    const seed = args.seed ?? 0;
    // A user's model arrives trained (0 base epochs); `train` on it fine-tunes one epoch by default.
    const epochs = args.epochs ?? (trial.training.epochs || 1);
    const batchSize = args.batchSize ?? trial.training.batchSize;
    const data = await trial.loadData();
    const model = await trial.buildModel(seed);
    const progress = trainingProgress({ epochs, samples: data.train.count, batchSize, io });
    const started = performance.now();
    await fitModel(model, data.train, { epochs, batchSize, learningRate: args.lr ?? trial.training.learningRate, seed, loss: trial.loss, callbacks: [progress.callback] });
    const trainSeconds = (performance.now() - started) / 1000;
    const evaluation = await evaluateModel(model, data.test, trial.loss);
    const out = args.out ?? join('squish-models', basename(trial.name));
    await saveModel(model, out);
    const result = { trial: trial.name, backend, seed, epochs, batchSize, ...evaluation, trainSeconds, trainSamplesPerSecond: progress.samplesPerSecond(), modelDir: out };
    if (args.json) {
      io.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      io.stdout.write(`${trial.name}: test accuracy ${evaluation.accuracy.toFixed(4)}, loss ${evaluation.loss.toFixed(4)} after ${epochs} epochs on ${backend} (${trainSeconds.toFixed(1)} s, ${Math.round(result.trainSamplesPerSecond)} samples/s); saved to ${out}\n`);
    }
    return 0;
  },
};
