/** Side-by-side comparison of our per-seed results with Optuna's (optuna-results.json). */
import { mannWhitneyU } from './stats.js';

const KS = ['10', '25', '50', '100'] as const;

interface TunerResult {
  best_so_far: Record<string, { q25: number; median: number; q75: number }>;
  per_seed_best_at: Record<string, number[]>;
  ms_per_suggestion?: { median: number };
  ms_per_trial_mean: { median: number };
  ms_per_trial_last10: { median: number };
}
type Results = Record<string, Record<string, TunerResult>>;
export interface OptunaResults { directions: Record<string, 'minimize' | 'maximize'>; results: Results }

export interface Verdict { ours: number; optuna: number; p: number; verdict: 'better' | 'worse' | 'same' }

/** Per problem, tuner and checkpoint: medians, p-value and verdict against Optuna's same tuner. */
export function compareWithOptuna(ours: Results, optuna: OptunaResults): Record<string, Record<string, Record<string, Verdict>>> {
  const out: Record<string, Record<string, Record<string, Verdict>>> = {};
  for (const [problem, tuners] of Object.entries(ours)) {
    const sign = optuna.directions[problem] === 'maximize' ? -1 : 1;
    out[problem] = {};
    for (const [tuner, r] of Object.entries(tuners)) {
      const peer = optuna.results[problem]?.[tuner];
      if (peer === undefined) continue;
      out[problem]![tuner] = Object.fromEntries(KS.map((k) => {
        const { p } = mannWhitneyU(r.per_seed_best_at[k]!, peer.per_seed_best_at[k]!);
        const a = r.best_so_far[k]!.median;
        const b = peer.best_so_far[k]!.median;
        const verdict = p >= 0.05 ? 'same' : sign * (a - b) < 0 ? 'better' : 'worse';
        return [k, { ours: a, optuna: b, p, verdict }];
      }));
    }
  }
  return out;
}

const f = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(2) : x.toFixed(3));

export function markdownTable(ours: Results, optuna: OptunaResults, cmp: ReturnType<typeof compareWithOptuna>): string {
  const lines = ['| problem | tuner | @10 ours / optuna (p) | @25 | @50 | @100 | ms/suggestion ours | ms/trial optuna (all / last10) |', '|---|---|---|---|---|---|---|---|'];
  for (const [problem, tuners] of Object.entries(cmp)) {
    for (const [tuner, ks] of Object.entries(tuners)) {
      const cells = KS.map((k) => {
        const v = ks[k]!;
        const mark = v.verdict === 'same' ? '' : v.verdict === 'better' ? ' **better**' : ' **worse**';
        return `${f(v.ours)} / ${f(v.optuna)} (p=${v.p.toFixed(2)})${mark}`;
      });
      const peer = optuna.results[problem]![tuner]!;
      const mine = ours[problem]![tuner]!;
      lines.push(`| ${problem} | ${tuner} | ${cells.join(' | ')} | ${mine.ms_per_suggestion!.median.toFixed(3)} | ${peer.ms_per_trial_mean.median.toFixed(1)} / ${peer.ms_per_trial_last10.median.toFixed(1)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
