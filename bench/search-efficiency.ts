/**
 * Search efficiency (issue 11): trials and wall seconds until a `squish search` with default settings
 * first finishes a trial that meets the target (overall weight sparsity ≥ 0.90, accuracy ≥ dense − 0.01),
 * LeNet-5, per-layer level sparsity in [0.5, 0.99], 1 epoch fine-tune, seeds 0, 1, 2, next to Optuna TPE +
 * PyTorch on the same scenario. Each seed starts from an empty model cache, so the dense training counts,
 * as it does in the Optuna figures. JSON on stdout.
 *   node dist/bench/search-efficiency.js [--seeds 0,1,2] [--max-trials 60] [--set key=json ...]
 * `--set` overrides an experiment key (e.g. `--set warmStart=false`) to measure a lever.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveCacheRoot } from '../src/cache-root.js';
import { Search } from '../src/experiment/orchestrator.js';
import { parseExperiment } from '../src/experiment/spec.js';

/** Issue 11: Optuna 3.1 TPE + PyTorch 1.13 (one thread), trial and seconds at which the target was reached. */
const OPTUNA = {
  0: { trials: 55, seconds: 54 },
  1: { trials: 18, seconds: 21 },
  2: { trials: null, seconds: null, note: 'not within 60 trials (best feasible accuracy 0.9245)' },
} as Record<number, { trials: number | null; seconds: number | null; note?: string }>;

/** The shared data cache, resolved before any seed points SQUISH_CACHE_DIR elsewhere. */
const DATA_CACHE = join(resolveCacheRoot(), 'data');
const LAYERS = ['conv1', 'conv2', 'fc1', 'fc2', 'fc3'];
const SPACE = { pruning: { _type: 'choice', _value: [{ _name: 'level', ...Object.fromEntries(LAYERS.map((l) => [l, { _type: 'uniform', _value: [0.5, 0.99] }])) }] } };

const { values } = parseArgs({ options: {
  seeds: { type: 'string', default: '0,1,2' },
  'max-trials': { type: 'string', default: '60' },
  set: { type: 'string', multiple: true, default: [] },
} });
const overrides = Object.fromEntries(values.set.map((kv) => [kv.slice(0, kv.indexOf('=')), JSON.parse(kv.slice(kv.indexOf('=') + 1))]));

interface SeedResult {
  seed: number;
  denseAccuracy: number;
  /** Trials finished when the first one meeting the target finished (it included); null if none did. */
  trialsToTarget: number | null;
  /** From the start of the search (dense training included) to that trial's end. */
  secondsToTarget: number | null;
  baselineSeconds: number;
  /** From the dense baseline to the first trial's start: the sensitivity analysis, when it runs. */
  analysisSeconds: number;
  hit: { number: number; accuracy: number; sparsity: number } | null;
  trials: Array<{ number: number; accuracy: number | null; sparsity: number | null; feasible: boolean | null; finishedAtS: number; params: Record<string, unknown> }>;
}

async function runSeed(seed: number): Promise<SeedResult> {
  const dir = mkdtempSync(join(tmpdir(), 'squish-bench-efficiency-'));
  // An empty model cache (the dense model is trained, as in the peer's figure) over the shared data cache.
  const cacheRoot = join(dir, 'cache');
  mkdirSync(cacheRoot);
  symlinkSync(DATA_CACHE, join(cacheRoot, 'data'));
  process.env.SQUISH_CACHE_DIR = cacheRoot;
  const spec = parseExperiment({
    searchSpace: SPACE, seed, maxTrials: Number(values['max-trials']),
    objective: { minSparsity: 0.9, maxAccuracyDrop: 0.01 }, ...overrides,
  }, { baseDir: '.', defaultName: `efficiency-${seed}` });
  const search = Search.create(spec, { dbFile: join(dir, 'squish.db') });
  const started = performance.now();
  const at = () => (performance.now() - started) / 1000;
  let baselineSeconds = 0;
  let firstStart = NaN;
  let denseAccuracy = NaN;
  const trials: SeedResult['trials'] = [];
  let hit: SeedResult['hit'] = null;
  let secondsToTarget: number | null = null;
  let trialsToTarget: number | null = null;
  search.on((e) => {
    if (e.type === 'baseline') {
      baselineSeconds = at();
      denseAccuracy = e.baseline.accuracy!;
    }
    if (e.type === 'trial-started' && Number.isNaN(firstStart)) firstStart = at();
    if (e.type !== 'trial-finished') return;
    const t = e.trial;
    trials.push({ number: t.number, accuracy: t.metrics.accuracy ?? null, sparsity: t.metrics.sparsity ?? null, feasible: t.feasible, finishedAtS: +at().toFixed(2), params: t.params });
    process.stderr.write(`seed ${seed} trial ${t.number}: ${t.state} acc ${t.metrics.accuracy} sparsity ${t.metrics.sparsity?.toFixed(4)} at ${at().toFixed(1)} s\n`);
    const meets = t.state === 'complete' && t.metrics.sparsity! >= 0.9 && t.metrics.accuracy! >= denseAccuracy - 0.01;
    if (meets && hit === null) {
      hit = { number: t.number, accuracy: t.metrics.accuracy!, sparsity: t.metrics.sparsity! };
      secondsToTarget = +at().toFixed(2);
      trialsToTarget = trials.length;
      search.stop('cancel');
    }
  });
  await search.run();
  search.close();
  rmSync(dir, { recursive: true, force: true });
  return { seed, denseAccuracy, trialsToTarget, secondsToTarget, baselineSeconds: +baselineSeconds.toFixed(2), analysisSeconds: +(firstStart - baselineSeconds).toFixed(2), hit, trials };
}

const results: SeedResult[] = [];
for (const seed of values.seeds.split(',').map(Number)) results.push(await runSeed(seed));
process.stdout.write(`${JSON.stringify({
  benchmark: 'search-efficiency',
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, loadavg1m: +loadavg()[0]!.toFixed(2) },
  overrides,
  maxTrials: Number(values['max-trials']),
  table: results.map((r) => ({ seed: r.seed, trials: r.trialsToTarget, seconds: r.secondsToTarget, optuna: OPTUNA[r.seed] ?? null })),
  results,
}, null, 2)}\n`);
