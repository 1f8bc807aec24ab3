/**
 * kill -9 during an expiry burst: the real headless host (a child process)
 * dies in the middle of completing 1,000 sessions that end in the same
 * second, or right after their commit, or at a moment chosen from outside.
 * After a restart each session is completed exactly once and no resource is
 * left Active without its session.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostStartError, startHeadless, type HeadlessHost } from '../support/headless';
import { killGroup } from '../support/process-group';
import { tempDir } from '../support/temp';

const N = 1000;
let dataDir: string;
let configFile: string;
const hosts: HeadlessHost[] = [];

beforeEach(async () => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/main/headless.cjs'))) throw new Error('run `node scripts/build.mjs` first');
  dataDir = tempDir();
  configFile = path.join(dataDir, 'config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      kioskName: 'Crash cafe',
      modules: ['sessions'],
      // Nothing listens there: every status report stays in the outbox, where the test counts it.
      api: { baseUrl: 'http://127.0.0.1:9/api/', timeoutSeconds: 1, retryAttempts: 0 },
      services: { probeIntervalSeconds: 3600 },
      clock: { trustedAtBoot: true },
      sessions: { resources: Array.from({ length: N }, (_, i) => ({ name: `PC${i + 1}` })) },
      logging: { level: 'warn' },
    }),
  );
  // A first start makes the database and the resources.
  const first = await startHeadless({ dataDir, config: configFile });
  await first.stop();
}, 30_000);

afterEach(async () => {
  while (hosts.length) await hosts.pop()!.stop().catch(() => undefined);
});

const open = () => new Database(path.join(dataDir, 'booth.db'));

/** N active sessions, one per resource, all ending at `endsAt` (as the attendant would have started them). */
function seedBurst(endsAt: Date): string[] {
  const db = open();
  try {
    const ids: string[] = [];
    db.transaction(() => {
      const started = new Date(endsAt.getTime() - 30 * 60_000).toISOString();
      const now = new Date().toISOString();
      const resources = db.prepare("SELECT id FROM session_resources WHERE status = 'Available' ORDER BY id").all() as { id: string }[];
      expect(resources).toHaveLength(N);
      for (const r of resources) {
        const id = crypto.randomUUID();
        ids.push(id);
        db.prepare("INSERT INTO sessions (id, resource_id, started_at, ends_at, status, source, created_at, updated_at) VALUES (?, ?, ?, ?, 'Active', 'kiosk', ?, ?)").run(id, r.id, started, endsAt.toISOString(), now, now);
        db.prepare("UPDATE session_resources SET status = 'Active', active_session_id = ?, updated_at = ? WHERE id = ?").run(id, now, r.id);
      }
    })();
    return ids;
  } finally {
    db.close();
  }
}

function state(ids: string[]) {
  const db = open();
  try {
    const place = ids.map(() => '?').join(',');
    const sessions = db.prepare(`SELECT status, end_reason, completed_at FROM sessions WHERE id IN (${place})`).all(...ids) as { status: string; end_reason: string | null; completed_at: string | null }[];
    const reports = (db.prepare("SELECT payload FROM outbox WHERE kind = 'sessions.status'").all() as { payload: string }[]).map((r) => JSON.parse(r.payload) as { body: { status: string; activeBooking: string | null } });
    const orphans = (db
      .prepare("SELECT COUNT(*) AS n FROM session_resources r LEFT JOIN sessions s ON s.id = r.active_session_id WHERE r.status = 'Active' AND s.status IS NOT 'Active'")
      .get() as { n: number }).n;
    const lost = (db
      .prepare("SELECT COUNT(*) AS n FROM sessions s LEFT JOIN session_resources r ON r.active_session_id = s.id WHERE s.status = 'Active' AND r.id IS NULL")
      .get() as { n: number }).n;
    return {
      active: sessions.filter((s) => s.status === 'Active').length,
      completed: sessions.filter((s) => s.status === 'Completed' && s.end_reason === 'expired').length,
      completedAt: sessions.map((s) => s.completed_at).sort().join(),
      availableReports: reports.filter((r) => r.body.status === 'Available').length,
      orphans,
      lost,
    };
  } finally {
    db.close();
  }
}

async function start(env: NodeJS.ProcessEnv = {}): Promise<HeadlessHost> {
  const host = await startHeadless({ dataDir, config: configFile, env });
  hosts.push(host);
  return host;
}

const clearReports = () => {
  const db = open();
  db.prepare("DELETE FROM outbox WHERE kind = 'sessions.status'").run();
  db.close();
};

describe('sessions: kill -9 during an expiry burst', () => {
  it('in the middle of the burst\'s transaction: nothing of it stays; after a restart all complete, once', { timeout: 60_000 }, async () => {
    clearReports();
    const ids = seedBurst(new Date(Date.now() + 1_500));
    const host = await start({ BOOTH_CRASH_AT: 'sessions.expiry.in-transaction' });
    expect((await host.exited).signal).toBe('SIGKILL');
    expect(state(ids)).toMatchObject({ active: N, completed: 0, availableReports: 0, orphans: 0, lost: 0 });

    // Past their end now: completed at start, then killed right after that commit (before the host is even ready).
    const again = await start({ BOOTH_CRASH_AT: 'sessions.expiry.after-commit' }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(again).toBeInstanceOf(HostStartError);
    expect((again as HostStartError).exit.signal).toBe('SIGKILL');
    const after = state(ids);
    expect(after).toMatchObject({ active: 0, completed: N, availableReports: N, orphans: 0, lost: 0 });

    // A normal start finds nothing to do: nothing completed twice, nothing reported twice.
    const normal = await start();
    expect((await normal.invoke<{ resources: { status: string }[] }>('sessions:board')).ok).toBe(true);
    await normal.stop();
    expect(state(ids)).toEqual(after);
  });

  it('killed from outside at moments around the end of the burst: each session completed exactly once', { timeout: 120_000 }, async () => {
    for (const delay of [0, 20, 60, 150]) {
      clearReports();
      const end = new Date(Date.now() + 2_500);
      const ids = seedBurst(end);
      const host = await start();
      await new Promise((r) => setTimeout(r, Math.max(0, end.getTime() + delay - Date.now())));
      killGroup(host.child);
      await host.exited;
      const killed = state(ids);
      expect(killed.orphans + killed.lost, `delay ${delay}`).toBe(0);
      expect(killed.active === N || killed.active === 0, `delay ${delay}: all or none (one transaction)`).toBe(true);

      const restarted = await start();
      expect((await restarted.invoke('sessions:board')).ok).toBe(true);
      await restarted.stop();
      const after = state(ids);
      expect(after, `delay ${delay}`).toMatchObject({ active: 0, completed: N, availableReports: N, orphans: 0, lost: 0 });
    }
  });
});
