/**
 * sessions.expiry.p99: ms from a session's `sessionEndTime` to its resource
 * `Available` (committed), with 1,000 sessions ending in the same second
 * (BENCHMARKS.md; the seed's cron took up to 60 s). The sessions are in the
 * database when the kiosk starts, so their timers are the ones rebuilt at
 * start; each resource's time is when the board event after its commit
 * arrives. BENCH_QUICK: 200 sessions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../../main/clock';
import { configSchema } from '../../main/config';
import { createKiosk } from '../../main/kiosk';
import { createLogger } from '../../main/log';
import type { SessionsBoard } from '../../preload/contract';
import { withTeardown } from '../support/process-group';
import { benchLine, percentile, progress, quick } from './format';

async function benchExpiry() {
  await withTeardown(async (teardown) => {
    const n = quick ? 200 : 1000;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booth-bench-sessions-'));
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    const config = configSchema.parse({
      modules: ['sessions'],
      api: { baseUrl: 'http://127.0.0.1:9/api/' },
      services: { probeIntervalSeconds: 3600, syncEnabled: false },
      clock: { trustedAtBoot: true },
      sessions: { resources: Array.from({ length: n }, (_, i) => ({ name: `PC${i + 1}` })) },
    });
    const platform = {
      version: 'bench',
      isPackaged: false,
      dataDir: dir,
      clock: systemClock,
      fetch: (input: string, init?: RequestInit) => fetch(input, init),
      log: createLogger({ file: path.join(dir, 'booth.log'), level: 'warn', maxSizeBytes: 10_000_000, backupCount: 1 }),
    };
    // A first start makes the database and the resources.
    const first = await createKiosk(config, platform, { configPath: null });
    first.start();
    await first.stop();

    const end = Date.now() + 3_000;
    const db = new Database(path.join(dir, 'booth.db'));
    db.transaction(() => {
      const now = new Date().toISOString();
      for (const { id } of db.prepare('SELECT id FROM session_resources').all() as { id: string }[]) {
        const sessionId = crypto.randomUUID();
        db.prepare("INSERT INTO sessions (id, resource_id, started_at, ends_at, status, source, created_at, updated_at) VALUES (?, ?, ?, ?, 'Active', 'kiosk', ?, ?)").run(
          sessionId,
          id,
          new Date(end - 3_600_000).toISOString(),
          new Date(end).toISOString(),
          now,
          now,
        );
        db.prepare("UPDATE session_resources SET status = 'Active', active_session_id = ? WHERE id = ?").run(sessionId, id);
      }
    })();
    db.close();

    const kiosk = await createKiosk(config, platform, { configPath: null });
    teardown.add('kiosk', () => kiosk.stop());
    const freedAt = new Map<string, number>();
    kiosk.events.subscribe((event, payload) => {
      if (event !== 'sessions:board') return;
      const at = Date.now();
      for (const r of (payload as SessionsBoard).resources) if (r.status === 'Available' && !freedAt.has(r.id)) freedAt.set(r.id, at);
    });
    kiosk.start();
    progress(`sessions.expiry: ${n} sessions ending at once`);
    const deadline = end + 30_000;
    while (freedAt.size < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (freedAt.size < n) throw new Error(`bench: only ${freedAt.size} of ${n} resources freed`);
    const delays = [...freedAt.values()].map((at) => Math.max(0, at - end)).sort((a, b) => a - b);
    benchLine({ bench: 'sessions.expiry.p99', value: percentile(delays, 99), unit: 'ms', better: 'lower', n });
  });
}

/** The sessions' benches in the order the suite runs them, by the name of their figure. */
export const sessionsBenches: Readonly<Record<string, () => Promise<void>>> = {
  'sessions.expiry.p99': benchExpiry,
};
