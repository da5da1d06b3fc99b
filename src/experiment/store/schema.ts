/**
 * The SQLite schema of a Squish workspace, one migration per version. Readers (`squish watch`, the
 * sqlite3 shell) open the same file while a search writes: WAL mode lets them read without blocking it.
 *
 * Times are unix seconds (REAL). JSON columns hold what SQL never filters on. Non-finite objective
 * values: SQLite keeps ±Infinity as REAL but turns a bound NaN into NULL, so a NaN metric is recorded
 * as a failed trial with its error, never as a value.
 */
export const MIGRATIONS: readonly string[] = [
  // Version 1.
  `
  CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    spec        TEXT NOT NULL,                 -- the validated experiment, JSON
    status      TEXT NOT NULL CHECK (status IN ('running', 'stopped', 'done')),
    baseline    TEXT,                          -- dense model metrics, JSON; NULL until measured
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
  );
  CREATE TABLE trials (
    id             INTEGER PRIMARY KEY,
    experiment_id  INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    number         INTEGER NOT NULL,           -- 0, 1, … in suggestion order
    state          TEXT NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'failed', 'early-stopped', 'cancelled')),
    params         TEXT NOT NULL,              -- sampled parameters, JSON
    plan           TEXT,                       -- the compression plan (algorithms + config lists), JSON
    objective      REAL,                       -- the tuner's scalar (maximized); NULL unless complete or early-stopped
    objectives     TEXT,                       -- multi-objective values, JSON array
    feasible       INTEGER CHECK (feasible IN (0, 1)),
    attempt        INTEGER NOT NULL DEFAULT 0, -- how often it was started; a resume reruns a trial killed mid-run once
    started_at     REAL,
    finished_at    REAL,
    revision       INTEGER NOT NULL,           -- bumped on every change, so readers fetch only what changed
    UNIQUE (experiment_id, number)
  );
  CREATE INDEX trials_by_state ON trials (experiment_id, state);
  CREATE INDEX trials_by_revision ON trials (experiment_id, revision);
  CREATE TABLE trial_metrics (
    trial_id  INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    value     REAL,
    PRIMARY KEY (trial_id, name)
  );
  CREATE TABLE epoch_metrics (
    trial_id  INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    epoch     INTEGER NOT NULL,
    name      TEXT NOT NULL,
    value     REAL,
    PRIMARY KEY (trial_id, epoch, name)
  );
  CREATE TABLE trial_errors (
    id          INTEGER PRIMARY KEY,
    trial_id    INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    message     TEXT NOT NULL,
    stack       TEXT,
    created_at  REAL NOT NULL
  );
  CREATE TABLE artifacts (
    trial_id  INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,                   -- 'model', 'masks', …
    path      TEXT NOT NULL,                   -- relative to the workspace's artifact folder
    bytes     INTEGER NOT NULL,
    PRIMARY KEY (trial_id, kind)
  );
  `,
  // Version 2: the sensitivity analysis of the base model (JSON), so a resumed search warm-starts and
  // repairs exactly as the original did without measuring again.
  `
  ALTER TABLE experiments ADD COLUMN sensitivity TEXT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
