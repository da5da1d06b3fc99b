/**
 * The trial worker pool: piscina threads, one trial per thread at a time. A thread that dies (a
 * crash, an out-of-memory abort) rejects only its own trial; piscina starts a fresh one for the next.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { BaselineResult, BaselineTask, SensitivityTask, TrialResult, TrialTask, WorkerMessage } from './protocol.js';
import type { SensitivityTable } from './sensitivity-table.js';
import { answer } from './protocol.js';

export type PoolTask = Omit<TrialTask, 'kind' | 'port' | 'control'>;

/** Receives a worker's epoch reports; returns true to stop the trial early. */
export type MessageHandler = (message: WorkerMessage) => boolean;

export interface TrialPoolOptions {
  readonly concurrency: number;
}

export class TrialPool {
  readonly #piscina: Piscina;

  constructor({ concurrency }: TrialPoolOptions) {
    this.#piscina = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: concurrency,
      maxThreads: concurrency,
      // Workers keep the backend, data and base model loaded between trials; never let them idle out.
      idleTimeout: Infinity,
    });
  }

  /** Runs a trial; rejects with the trial's error, the worker's exit if it died, or an AbortError if `signal` fired. */
  async run(task: PoolTask, onMessage: MessageHandler, signal?: AbortSignal): Promise<TrialResult> {
    const { port1, port2 } = new MessageChannel();
    const control = new SharedArrayBuffer(8);
    port1.on('message', (message: WorkerMessage) => {
      answer(control, onMessage(message));
    });
    try {
      return (await this.#piscina.run({ ...task, kind: 'trial', port: port2, control } satisfies TrialTask, { transferList: [port2], signal })) as TrialResult;
    } finally {
      port1.close();
    }
  }

  async baseline(task: Omit<BaselineTask, 'kind'>): Promise<BaselineResult> {
    return (await this.#piscina.run({ ...task, kind: 'baseline' } satisfies BaselineTask)) as BaselineResult;
  }

  /** The runner's sensitivity table, or null when the runner has no `analyzeSensitivity`. */
  async sensitivity(task: Omit<SensitivityTask, 'kind'>): Promise<SensitivityTable | null> {
    return (await this.#piscina.run({ ...task, kind: 'sensitivity' } satisfies SensitivityTask)) as SensitivityTable | null;
  }

  get threads(): number {
    return this.#piscina.threads.length;
  }

  async close(): Promise<void> {
    await this.#piscina.destroy();
  }
}
