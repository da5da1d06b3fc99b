/** The piscina worker: runs a baseline or a trial task with the runner module the task names. */
import { workerReporter, type BaselineResult, type BaselineTask, type SensitivityTask, type TrialResult, type TrialRunner, type TrialTask } from './protocol.js';
import type { SensitivityTable } from './sensitivity-table.js';

const runners = new Map<string, Promise<TrialRunner>>();

function loadRunner(url: string): Promise<TrialRunner> {
  let runner = runners.get(url);
  if (runner === undefined) {
    runner = import(url) as Promise<TrialRunner>;
    runners.set(url, runner);
  }
  return runner;
}

export default async function runTask(task: BaselineTask | SensitivityTask | TrialTask): Promise<BaselineResult | SensitivityTable | TrialResult | null> {
  const runner = await loadRunner(task.runner);
  if (task.kind === 'baseline') return runner.prepareBaseline(task);
  if (task.kind === 'sensitivity') return runner.analyzeSensitivity?.(task) ?? null;
  try {
    return await runner.runTrial(task, workerReporter(task));
  } finally {
    task.port.close();
  }
}
