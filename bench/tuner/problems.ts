/**
 * The four peer problems of ../shared/benchmarks/tuning.md, exactly as specified there, with
 * their domains written as NNI search spaces (categorical bit widths stay unordered choices).
 */
import type { FlatParams } from '../../src/search/space.js';

export interface Problem {
  readonly name: string;
  readonly direction: 'minimize' | 'maximize';
  readonly space: Record<string, { _type: string; _value: unknown[] }>;
  readonly objective: (p: FlatParams) => number;
}

export function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const H_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]];
const H_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]];

export function hartmann6(x: readonly number[]): number {
  let f = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H_A[i]![j]! * (x[j]! - H_P[i]![j]! * 1e-4) ** 2;
    f -= H_ALPHA[i]! * Math.exp(-inner);
  }
  return f;
}

export interface Mixed10 {
  opt: string; act: string; lr: number; wd: number; batch: number; layers: number; units: number;
  dropout: number; momentum: number; ls: number;
}
const OPT_BASE: Record<string, number> = { sgd: 0.15, adam: 0, rmsprop: 0.05, adagrad: 0.25 };
const LR_OPT: Record<string, number> = { sgd: -1, adam: -3, rmsprop: -3.3, adagrad: -1.7 };
const ACT_BASE: Record<string, number> = { relu: 0.02, tanh: 0.1, gelu: 0 };

export function mixed10(p: Mixed10): number {
  const lrTarget = LR_OPT[p.opt]! + 0.5 * Math.log10(p.batch / 128);
  const a = p.layers - 4;
  const b = Math.log2(p.units) - 8;
  const mom = p.opt === 'sgd' || p.opt === 'rmsprop' ? (p.momentum - 0.9) ** 2 : 0.1 * p.momentum ** 2;
  return 0.1 + OPT_BASE[p.opt]! + ACT_BASE[p.act]!
    + 0.1 * (Math.log10(p.lr) - lrTarget) ** 2
    + 0.05 * (Math.log10(p.wd) + 4) ** 2
    + 0.02 * (Math.log2(p.batch) - 7) ** 2
    + 0.05 * a ** 2 + 0.05 * b ** 2 + 0.06 * a * b
    + 2 * (p.dropout - 0.2) ** 2
    + mom
    + 3 * (p.ls - 0.1) ** 2;
}

const N = [0.1, 0.4, 0.8, 1.6, 3.2, 3.2, 6.4, 0.3];
const ALPHA = [0.3, 0.12, 0.08, 0.06, 0.04, 0.04, 0.03, 0.25];
const BETA = [0.2, 0.08, 0.05, 0.04, 0.03, 0.03, 0.02, 0.15];

export function compression(s: readonly number[], bits: readonly number[]): number {
  let size = 0;
  let acc = 0.76;
  for (let i = 0; i < 8; i++) {
    const q = 4 ** -(Math.log2(bits[i]!) - 1);
    size += N[i]! * (1 - s[i]!) * bits[i]! / 8;
    acc -= ALPHA[i]! * s[i]! ** 3 + BETA[i]! * q * (1 + s[i]!);
  }
  return acc - 1.0 * Math.max(0, size / 4.0 - 1);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const uniform = (lo: number, hi: number) => ({ _type: 'uniform', _value: [lo, hi] });

export const PROBLEMS: readonly Problem[] = [
  {
    name: 'branin', direction: 'minimize',
    space: { x1: uniform(-5, 10), x2: uniform(0, 15) },
    objective: (p) => branin(p.x1 as number, p.x2 as number),
  },
  {
    name: 'hartmann6', direction: 'minimize',
    space: Object.fromEntries(range(6).map((i) => [`x${i}`, uniform(0, 1)])),
    objective: (p) => hartmann6(range(6).map((i) => p[`x${i}`] as number)),
  },
  {
    name: 'mixed10', direction: 'minimize',
    space: {
      opt: { _type: 'choice', _value: ['sgd', 'adam', 'rmsprop', 'adagrad'] },
      act: { _type: 'choice', _value: ['relu', 'tanh', 'gelu'] },
      lr: { _type: 'loguniform', _value: [1e-5, 1] },
      wd: { _type: 'loguniform', _value: [1e-6, 1e-1] },
      batch: { _type: 'qloguniform', _value: [16, 512, 1] },
      layers: { _type: 'randint', _value: [1, 9] },
      units: { _type: 'qloguniform', _value: [16, 1024, 1] },
      dropout: uniform(0, 0.8),
      momentum: uniform(0, 0.99),
      ls: { _type: 'quniform', _value: [0, 0.3, 0.05] },
    },
    objective: (p) => mixed10(p as unknown as Mixed10),
  },
  {
    name: 'compression', direction: 'maximize',
    space: Object.fromEntries([
      ...range(8).map((i) => [`s${i}`, uniform(0, 0.95)]),
      ...range(8).map((i) => [`b${i}`, { _type: 'choice', _value: [2, 4, 8, 16] }]),
    ]),
    objective: (p) => compression(range(8).map((i) => p[`s${i}`] as number), range(8).map((i) => p[`b${i}`] as number)),
  },
];
