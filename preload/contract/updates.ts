import { z } from 'zod';

/** One decision or step of the updater, as admin's history shows it. `code` is a refusal or failure code the page translates. */
export interface UpdateHistoryEntry {
  at: string;
  version: string | null;
  event: 'checked' | 'refused' | 'failed' | 'waiting' | 'downloading' | 'staged' | 'installing' | 'installed' | 'reverted' | 'up-to-date';
  code: string | null;
  message: string;
}

export interface UpdatesStatus {
  /** False when updates.baseUrl is null: the kiosk does not look for releases. */
  enabled: boolean;
  channel: string;
  arch: string;
  current: string;
  phase: 'idle' | 'checking' | 'downloading' | 'verifying' | 'staged' | 'installing';
  available: { version: string; releasedAt: string; expiresAt: string; rolloutPercent: number; size: number } | null;
  progress: { bytes: number; total: number } | null;
  staged: { version: string; file: string } | null;
  lastCheckAt: string | null;
  /** The last check's outcome when it was not a success: refused (and why), failed (and why), waiting (outside the rollout). */
  problem: { kind: 'refused' | 'failed' | 'waiting'; code: string; message: string; version: string | null; at: string } | null;
  /** What keeps a staged release from installing now (codes the page translates); empty when it can install. */
  blockers: { code: string; detail: string | null }[];
  maintenanceWindow: { start: string; end: string };
  highWater: string | null;
  history: UpdateHistoryEntry[];
}

export const updatesHandlers = {
  'updates:status': z.object({}).strict(),
  /** Admin: look for a release now. */
  'updates:check': z.object({}).strict(),
  /** Admin: install the staged release now (still only when no customer or payout would be interrupted). */
  'updates:install': z.object({}).strict(),
};

export interface UpdatesValues {
  'updates:status': UpdatesStatus;
  'updates:check': UpdatesStatus;
  'updates:install': UpdatesStatus;
}

export interface UpdatesEvents {
  'updates:status': UpdatesStatus;
}
