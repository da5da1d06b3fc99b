/**
 * Orchestration benchmarks, JSON on stdout:
 * - overhead per trial: a search of trials that do nothing (tuner + pool + store + events), median ms;
 * - scaling: throughput of CPU-bound trials with 2 workers against 1 (the goal is ≥ 1.8× on 2 cores).
 *   node dist/bench/search.js [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Search } from '../src/experiment/orchestrator.js';
import { parseExperiment } from '../src/experiment/spec.js';

const RUNNER = new URL('./fixtures/synthetic-runner.js', import.meta.url).href;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function timeSearch(algorithm: 'noop' | 'spin', trials: number, concurrency: number, spinMs = 0): Promise<{ totalMs: number; perTrialMs: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'squish-bench-search-'));
  const spec = parseExperiment({
    searchSpace: { pruning: { _type: 'choice', _value: [{ _name: algorithm, x: { _type: 'choice', _value: [spinMs] } }] } },
    maxTrials: trials, concurrency, epochs: 1, earlyStopping: { enabled: false }, tuner: { algorithm: 'random' },
  }, { baseDir: '.', defaultName: 'bench' });
  const search = Search.create(spec, { dbFile: join(dir, 'squish.db'), runner: RUNNER });
  const finishedAt: number[] = [];
  let start = 0;
  search.on((e) => {
    if (e.type === 'baseline') start = performance.now(); // excludes starting the worker threads
    if (e.type === 'trial-finished') finishedAt.push(performance.now());
  });
  await search.run();
  search.close();
  rmSync(dir, { recursive: true, force: true });
  return { totalMs: finishedAt.at(-1)! - start, perTrialMs: finishedAt.map((t, i) => t - (i === 0 ? start : finishedAt[i - 1]!)) };
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const overhead: number[] = [];
const scaling: number[] = [];
for (let r = 0; r < runs; r++) {
  overhead.push(median((await timeSearch('noop', 100, 1)).perTrialMs));
  const one = await timeSearch('spin', 12, 1, 250);
  const two = await timeSearch('spin', 12, 2, 250);
  scaling.push(one.totalMs / two.totalMs);
  process.stderr.write(`run ${r + 1}: overhead ${overhead.at(-1)!.toFixed(2)} ms/trial, 2 workers ${scaling.at(-1)!.toFixed(2)}× one\n`);
}
process.stdout.write(`${JSON.stringify({
  benchmark: 'search',
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
  runs,
  overhead_ms_per_noop_trial: { median: +median(overhead).toFixed(3), runs: overhead.map((x) => +x.toFixed(3)), goal: '< 20' },
  two_worker_speedup_cpu_bound: { median: +median(scaling).toFixed(3), runs: scaling.map((x) => +x.toFixed(3)), goal: '>= 1.8', trial_ms: 250 },
}, null, 2)}\n`);
