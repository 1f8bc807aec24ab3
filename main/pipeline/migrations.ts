/**
 * The durable task pipeline's table (main/pipeline/): one row per task, at
 * the step it is in. Generic (a `kind` names the owner's pipeline, `subject`
 * what the task is about); its first user is the bookings module, whose
 * schema carries this migration. Another module using the pipeline needs no
 * migration of its own.
 */
import type { ModuleMigration } from '../store';

export const pipelineMigration = (version: number): ModuleMigration => ({
  version,
  name: 'pipeline: durable tasks with per-step retries',
  up(db) {
    db.exec(`
      CREATE TABLE pipeline_tasks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        -- The owner's pipeline, e.g. bookings.video.
        kind TEXT NOT NULL,
        -- What the task is about (for bookings.video: the video's unique id).
        subject TEXT NOT NULL,
        step TEXT NOT NULL,
        -- ready: to run when due; running: a try is under way (after a crash: ready again, at the same step);
        -- retry: waiting out its step's delay; offline: its step's tries are used, waiting for the network;
        -- waiting: handed to someone else (the outbox) who completes it; failed: needs the attendant;
        -- done; cancelled.
        state TEXT NOT NULL CHECK (state IN ('ready', 'running', 'retry', 'offline', 'waiting', 'failed', 'done', 'cancelled')),
        -- Tries of the current step (a redrive or the network coming back starts them again).
        attempts INTEGER NOT NULL DEFAULT 0,
        -- Tries of every step, for the attendant.
        total_attempts INTEGER NOT NULL DEFAULT 0,
        next_at TEXT,
        last_error TEXT,
        -- The steps' own durable state (e.g. a multipart upload's parts), JSON.
        data TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (kind, subject)
      ) STRICT;
      CREATE INDEX pipeline_tasks_open ON pipeline_tasks (kind, state, next_at) WHERE state NOT IN ('done', 'cancelled');
    `);
  },
});
