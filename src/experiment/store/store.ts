/**
 * The workspace store: experiments, trials, metrics, errors and artifacts in one SQLite file
 * (better-sqlite3, WAL). Every state change is one transaction, so a `kill -9` at any moment leaves
 * the file consistent: a trial is either recorded with all its metrics or still marked running.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export const TRIAL_STATES = ['waiting', 'running', 'complete', 'failed', 'early-stopped', 'cancelled'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];
export type ExperimentStatus = 'running' | 'stopped' | 'done';
export type Metrics = Record<string, number | null>;

export interface ExperimentRecord {
  readonly id: number;
  readonly name: string;
  readonly spec: unknown;
  readonly status: ExperimentStatus;
  readonly baseline: Metrics | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface TrialRecord {
  readonly id: number;
  readonly experimentId: number;
  readonly number: number;
  readonly state: TrialState;
  readonly params: Record<string, unknown>;
  readonly plan: unknown;
  readonly objective: number | null;
  readonly objectives: number[] | null;
  readonly feasible: boolean | null;
  readonly attempt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly revision: number;
  readonly metrics: Metrics;
}

export interface TrialOutcome {
  readonly state: Extract<TrialState, 'complete' | 'early-stopped'>;
  readonly objective: number;
  readonly objectives?: number[];
  readonly feasible: boolean;
  readonly metrics: Metrics;
}

interface TrialRow {
  id: number; experiment_id: number; number: number; state: TrialState; params: string; plan: string | null;
  objective: number | null; objectives: string | null; feasible: number | null; attempt: number;
  started_at: number | null; finished_at: number | null; revision: number;
}

const now = () => Date.now() / 1000;
const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

export class Store {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (creating and migrating if needed) the workspace database at `file`. */
  static open(file: string, { readonly = false } = {}): Store {
    if (!readonly) mkdirSync(dirname(file), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(file, { readonly, fileMustExist: readonly });
    } catch (err) {
      throw new InputError(`cannot open the database ${file}: ${(err as Error).message}`);
    }
    db.pragma('busy_timeout = 5000');
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      migrate(db, file);
    }
    return new Store(db);
  }

  close(): void {
    this.#db.close();
  }

  createExperiment(name: string, spec: unknown): ExperimentRecord {
    if (this.findExperiment(name) !== undefined) throw new InputError(`an experiment named '${name}' already exists in this database; use 'squish resume ${name}' or another --name`);
    const t = now();
    const { lastInsertRowid } = this.#db.prepare('INSERT INTO experiments (name, spec, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(name, JSON.stringify(spec), 'running', t, t);
    return this.findOrThrowExperiment(Number(lastInsertRowid));
  }

  /** By name, or by id when given a number. */
  findExperiment(ref: string | number): ExperimentRecord | undefined {
    const row = typeof ref === 'number'
      ? this.#db.prepare('SELECT * FROM experiments WHERE id = ?').get(ref)
      : this.#db.prepare('SELECT * FROM experiments WHERE name = ?').get(ref);
    return row === undefined ? undefined : toExperiment(row as Record<string, unknown>);
  }

  findOrThrowExperiment(ref: string | number): ExperimentRecord {
    const found = this.findExperiment(ref) ?? (typeof ref === 'string' && /^\d+$/.test(ref) ? this.findExperiment(Number(ref)) : undefined);
    if (found === undefined) {
      const names = this.listExperiments().map((e) => e.name);
      throw new InputError(`no experiment '${ref}' in this database${names.length > 0 ? `; it has: ${names.join(', ')}` : ' (it has none)'}`);
    }
    return found;
  }

  listExperiments(): ExperimentRecord[] {
    return (this.#db.prepare('SELECT * FROM experiments ORDER BY id').all() as Record<string, unknown>[]).map(toExperiment);
  }

  setExperimentStatus(id: number, status: ExperimentStatus): void {
    this.#db.prepare('UPDATE experiments SET status = ?, updated_at = ? WHERE id = ?').run(status, now(), id);
  }

  setBaseline(id: number, baseline: Metrics): void {
    this.#db.prepare('UPDATE experiments SET baseline = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(baseline), now(), id);
  }

  setSensitivity(id: number, table: unknown): void {
    this.#db.prepare('UPDATE experiments SET sensitivity = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(table), now(), id);
  }

  /** The stored sensitivity table (JSON-parsed), or null if none was measured. */
  sensitivity(id: number): unknown {
    const row = this.#db.prepare('SELECT sensitivity FROM experiments WHERE id = ?').get(id) as { sensitivity: string | null } | undefined;
    return row?.sensitivity == null ? null : JSON.parse(row.sensitivity);
  }

  addTrial(experimentId: number, number: number, params: Record<string, unknown>): TrialRecord {
    const { lastInsertRowid } = this.#db.prepare(`INSERT INTO trials (experiment_id, number, state, params, revision) VALUES (?, ?, 'waiting', ?, ${this.#nextRevision()})`).run(experimentId, number, JSON.stringify(params));
    return this.trial(Number(lastInsertRowid));
  }

  startTrial(id: number, plan: unknown): void {
    this.#update(id, "state = 'running', plan = ?, attempt = attempt + 1, started_at = ?, finished_at = NULL", json(plan), now());
  }

  recordEpoch(id: number, epoch: number, metrics: Metrics): void {
    this.#db.transaction(() => {
      const insert = this.#db.prepare('INSERT OR REPLACE INTO epoch_metrics (trial_id, epoch, name, value) VALUES (?, ?, ?, ?)');
      for (const [name, value] of Object.entries(metrics)) insert.run(id, epoch, name, value);
      this.#update(id, 'revision = revision');
    })();
  }

  finishTrial(id: number, outcome: TrialOutcome): void {
    this.#db.transaction(() => {
      this.#putMetrics(id, outcome.metrics);
      this.#update(id, 'state = ?, objective = ?, objectives = ?, feasible = ?, finished_at = ?',
        outcome.state, outcome.objective, json(outcome.objectives), outcome.feasible ? 1 : 0, now());
    })();
  }

  failTrial(id: number, error: { message: string; stack?: string }, metrics: Metrics = {}): void {
    this.#db.transaction(() => {
      const { attempt } = this.#db.prepare('SELECT attempt FROM trials WHERE id = ?').get(id) as { attempt: number };
      this.#db.prepare('INSERT INTO trial_errors (trial_id, attempt, message, stack, created_at) VALUES (?, ?, ?, ?, ?)').run(id, attempt, error.message, error.stack ?? null, now());
      this.#putMetrics(id, metrics);
      this.#update(id, "state = 'failed', objective = NULL, finished_at = ?", now());
    })();
  }

  cancelTrial(id: number): void {
    this.#update(id, "state = 'cancelled', finished_at = ?", now());
  }

  /** On resume: trials a crash left running, or a stop cancelled, go back to waiting to be rerun. */
  requeueInterrupted(experimentId: number): number[] {
    const ids = (this.#db.prepare("SELECT id FROM trials WHERE experiment_id = ? AND state IN ('running', 'cancelled') ORDER BY number").all(experimentId) as { id: number }[]).map((r) => r.id);
    for (const id of ids) this.#update(id, "state = 'waiting'");
    return ids;
  }

  addArtifact(trialId: number, kind: string, path: string, bytes: number): void {
    this.#db.prepare('INSERT OR REPLACE INTO artifacts (trial_id, kind, path, bytes) VALUES (?, ?, ?, ?)').run(trialId, kind, path, bytes);
  }

  artifacts(trialId: number): Array<{ kind: string; path: string; bytes: number }> {
    return this.#db.prepare('SELECT kind, path, bytes FROM artifacts WHERE trial_id = ? ORDER BY kind').all(trialId) as Array<{ kind: string; path: string; bytes: number }>;
  }

  trial(id: number): TrialRecord {
    const row = this.#db.prepare('SELECT * FROM trials WHERE id = ?').get(id) as TrialRow | undefined;
    if (row === undefined) throw new InputError(`no trial with id ${id}`);
    const metrics: Metrics = {};
    for (const m of this.#db.prepare('SELECT name, value FROM trial_metrics WHERE trial_id = ?').all(id) as Array<{ name: string; value: number | null }>) metrics[m.name] = m.value;
    return toTrial(row, metrics);
  }

  /** Trials of an experiment in number order; with `sinceRevision`, only those changed after it. */
  trials(experimentId: number, sinceRevision = 0): TrialRecord[] {
    const rows = this.#db.prepare('SELECT * FROM trials WHERE experiment_id = ? AND revision > ? ORDER BY number').all(experimentId, sinceRevision) as TrialRow[];
    // One query for all their metrics rather than one per trial: the TUI reads thousands of trials.
    const metrics = new Map<number, Metrics>(rows.map((r) => [r.id, {}]));
    const all = this.#db.prepare('SELECT m.trial_id AS id, m.name AS name, m.value AS value FROM trial_metrics m JOIN trials t ON t.id = m.trial_id WHERE t.experiment_id = ? AND t.revision > ?')
      .all(experimentId, sinceRevision) as Array<{ id: number; name: string; value: number | null }>;
    for (const m of all) metrics.get(m.id)![m.name] = m.value;
    return rows.map((r) => toTrial(r, metrics.get(r.id)!));
  }

  epochMetrics(trialId: number): Array<{ epoch: number } & Metrics> {
    const rows = this.#db.prepare('SELECT epoch, name, value FROM epoch_metrics WHERE trial_id = ? ORDER BY epoch').all(trialId) as Array<{ epoch: number; name: string; value: number | null }>;
    const byEpoch = new Map<number, { epoch: number } & Metrics>();
    for (const r of rows) {
      const entry = byEpoch.get(r.epoch) ?? ({ epoch: r.epoch } as { epoch: number } & Metrics);
      entry[r.name] = r.value;
      byEpoch.set(r.epoch, entry);
    }
    return [...byEpoch.values()];
  }

  /** `name` of every trial at `epoch`, for the median early-stopping rule. */
  epochValues(experimentId: number, epoch: number, name: string): Array<{ trialId: number; value: number }> {
    return this.#db.prepare('SELECT e.trial_id AS trialId, e.value AS value FROM epoch_metrics e JOIN trials t ON t.id = e.trial_id WHERE t.experiment_id = ? AND e.epoch = ? AND e.name = ? AND e.value IS NOT NULL')
      .all(experimentId, epoch, name) as Array<{ trialId: number; value: number }>;
  }

  errors(trialId: number): Array<{ attempt: number; message: string; stack: string | null }> {
    return this.#db.prepare('SELECT attempt, message, stack FROM trial_errors WHERE trial_id = ? ORDER BY id').all(trialId) as Array<{ attempt: number; message: string; stack: string | null }>;
  }

  #nextRevision(): string {
    return '(SELECT coalesce(max(revision), 0) + 1 FROM trials)';
  }

  #update(id: number, assignments: string, ...values: unknown[]): void {
    this.#db.prepare(`UPDATE trials SET ${assignments}, revision = ${this.#nextRevision()} WHERE id = ?`).run(...values, id);
  }

  #putMetrics(id: number, metrics: Metrics): void {
    const insert = this.#db.prepare('INSERT OR REPLACE INTO trial_metrics (trial_id, name, value) VALUES (?, ?, ?)');
    for (const [name, value] of Object.entries(metrics)) insert.run(id, name, value !== null && Number.isNaN(value) ? null : value);
  }
}


function migrate(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new InputError(`${file} has schema version ${version}, newer than this Squish's ${SCHEMA_VERSION}; upgrade Squish`);
  }
  db.transaction(() => {
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

function toExperiment(row: Record<string, unknown>): ExperimentRecord {
  return {
    id: row.id as number, name: row.name as string, spec: JSON.parse(row.spec as string), status: row.status as ExperimentStatus,
    baseline: row.baseline === null ? null : (JSON.parse(row.baseline as string) as Metrics),
    createdAt: row.created_at as number, updatedAt: row.updated_at as number,
  };
}

function toTrial(row: TrialRow, metrics: Metrics): TrialRecord {
  return {
    id: row.id, experimentId: row.experiment_id, number: row.number, state: row.state,
    params: JSON.parse(row.params) as Record<string, unknown>, plan: row.plan === null ? null : JSON.parse(row.plan),
    objective: row.objective, objectives: row.objectives === null ? null : (JSON.parse(row.objectives) as number[]),
    feasible: row.feasible === null ? null : row.feasible === 1, attempt: row.attempt,
    startedAt: row.started_at, finishedAt: row.finished_at, revision: row.revision, metrics,
  };
}
