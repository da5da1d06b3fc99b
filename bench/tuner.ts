/**
 * Tuner benchmark (`npm run bench:tuner`): the problems of ../shared/benchmarks/tuning.md with
 * their protocol (seeds 0..19 × 100 sequential trials), printed as JSON in the shape of
 * optuna-results.json, plus a Mann–Whitney U comparison with Optuna's per-seed values when that
 * file is found (`--optuna PATH`, default ../shared/benchmarks/optuna-results.json). A markdown
 * table of the same comparison goes to stderr.
 */
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createTuner, type TunerOptions } from '../src/search/tuner.js';
import { PROBLEMS, type Problem } from './tuner/problems.js';
import { compareWithOptuna, markdownTable, type OptunaResults } from './tuner/compare.js';
import { quartiles } from './tuner/stats.js';

const SEEDS = Array.from({ length: 20 }, (_, i) => i);
const N_TRIALS = 100;
const CHECKPOINTS = [10, 25, 50, 100] as const;
const TUNERS: Record<string, Pick<TunerOptions, 'algorithm' | 'tpe'>> = {
  tpe: { algorithm: 'tpe' },
  tpe_mv: { algorithm: 'tpe', tpe: { multivariate: true } },
  random: { algorithm: 'random' },
};

interface Study { bestAt: number[]; msPerTrial: number[]; msPerSuggestion: number[] }

function runStudy(problem: Problem, tuner: Pick<TunerOptions, 'algorithm' | 'tpe'>, seed: number): Study {
  const t = createTuner({ ...tuner, space: problem.space, seed, directions: [problem.direction] });
  const better = problem.direction === 'minimize' ? Math.min : Math.max;
  let best = problem.direction === 'minimize' ? Infinity : -Infinity;
  const study: Study = { bestAt: [], msPerTrial: [], msPerSuggestion: [] };
  for (let i = 1; i <= N_TRIALS; i++) {
    const start = performance.now();
    const s = t.suggest();
    const sampled = performance.now();
    const value = problem.objective(s.params);
    t.report(s, value);
    study.msPerTrial.push(performance.now() - start);
    study.msPerSuggestion.push(sampled - start);
    best = better(best, value);
    if ((CHECKPOINTS as readonly number[]).includes(i)) study.bestAt.push(best);
  }
  return study;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function main(): void {
  const flag = process.argv.indexOf('--optuna');
  const optunaPath = flag >= 0 ? process.argv[flag + 1]! : '../shared/benchmarks/optuna-results.json';
  const results: Record<string, Record<string, unknown>> = {};
  for (const problem of PROBLEMS) {
    results[problem.name] = {};
    for (const [name, tuner] of Object.entries(TUNERS)) {
      const studies = SEEDS.map((seed) => runStudy(problem, tuner, seed));
      const at = (k: number) => studies.map((s) => s.bestAt[k]!);
      results[problem.name]![name] = {
        best_so_far: Object.fromEntries(CHECKPOINTS.map((c, k) => [String(c), quartiles(at(k))])),
        per_seed_best_at: Object.fromEntries(CHECKPOINTS.map((c, k) => [String(c), at(k)])),
        ms_per_trial_mean: quartiles(studies.map((s) => mean(s.msPerTrial))),
        ms_per_trial_last10: quartiles(studies.map((s) => mean(s.msPerTrial.slice(-10)))),
        ms_per_suggestion: quartiles(studies.map((s) => mean(s.msPerSuggestion.slice(-10)))),
      };
    }
  }
  const optuna = existsSync(optunaPath) ? (JSON.parse(readFileSync(optunaPath, 'utf8')) as OptunaResults) : null;
  const comparison = optuna === null ? null : compareWithOptuna(results as never, optuna);
  const output = {
    meta: {
      tuner: 'squish src/search', node: process.version, n_trials: N_TRIALS, seeds: SEEDS,
      samplers: { tpe: 'tpe (independent, Optuna 3.1 defaults)', tpe_mv: 'tpe, multivariate', random: 'random' },
      ms_per_suggestion: 'quartiles over seeds of the mean suggest() time over trials 91..100',
      comparison: 'two-sided Mann-Whitney U of per-seed best-so-far vs Optuna, alpha 0.05',
    },
    directions: Object.fromEntries(PROBLEMS.map((p) => [p.name, p.direction])),
    results,
    comparison,
  };
  process.stdout.write(`${JSON.stringify(output, null, 1)}\n`);
  if (comparison !== null) process.stderr.write(markdownTable(results as never, optuna!, comparison));
}

main();
