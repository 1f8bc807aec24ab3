import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { HostStartError, startHeadless, type HeadlessHost } from '../support/headless';
import { soakScale } from '../support/soak';
import { tempDir } from '../support/temp';
import { venueDate } from '../../main/clock';

const crashPoints = ['gate.admit.in-transaction', 'gate.admit.after-commit', 'outbox.before-send', 'outbox.after-response', 'outbox.after-ack'];
const today = venueDate(new Date(), 'Asia/Jakarta');
const ref = (n: number) => `${today.replaceAll('-', '')}-${String(n).padStart(6, '0')}`;
const TICKETS = 12;

let cloud: CloudSim;
beforeAll(async () => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/main/headless.cjs'))) throw new Error('run `node scripts/build.mjs` first');
  cloud = await startCloudSim({
    tickets: Array.from({ length: TICKETS }, (_, i) => ({ bookingDate: today, referenceNo: ref(i + 1), attractions: { A: { pax: 10_000, used: 0 } } })),
  });
});
afterAll(() => cloud?.close());

async function admitUntilDeath(host: HeadlessHost, screen: Map<string, number>, random: () => number, max: number) {
  // The first run has to download its tickets before it can admit anyone.
  for (;;) {
    const status = await host.invoke<{ lastDownloadAt: string | null }>('gate:status');
    if (!status.ok) return;
    if (status.value.lastDownloadAt) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  for (let i = 0; i < max; i++) {
    const reference = ref(1 + Math.floor(random() * TICKETS));
    const scan = await host.invoke<{ kind: string; scanId: string }>('gate:scan', { code: reference, source: 'keyboard' });
    if (!scan.ok) return;
    if (scan.value.kind !== 'valid') throw new Error(`unexpected ${scan.value.kind} for ${reference}`);
    const admit = await host.invoke<{ status: string }>('gate:admit', { scanId: scan.value.scanId, persons: 1 });
    if (!admit.ok) return;
    // What the screen would show as "Please proceed".
    if (admit.value.status === 'admitted') screen.set(reference, (screen.get(reference) ?? 0) + 1);
  }
}

describe('gate under kill -9', () => {
  const kills = soakScale(10, 60);

  it(`loses no admission the screen acknowledged and counts none twice over ${kills} kills`, async () => {
    const dataDir = tempDir();
    const configFile = path.join(dataDir, 'config.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        kioskName: 'Crash gate',
        modules: ['gate'],
        api: { baseUrl: cloud.apiUrl, timeoutSeconds: 2, retryAttempts: 0 },
        services: { fetchIntervalSeconds: 3600, syncIntervalSeconds: 0.2, probeIntervalSeconds: 3600 },
        sync: { backoffBaseSeconds: 0.05, backoffCapSeconds: 0.5 },
        gate: { attraction: 'A', duplicateScanSeconds: 0 },
        logging: { level: 'warn' },
      }),
    );
    const screen = new Map<string, number>();
    let seed = 99;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const deaths = { named: 0, random: 0 };

    for (let round = 0; round < kills; round++) {
      const named = round % 2 === 0 ? crashPoints[(round / 2) % crashPoints.length] : undefined;
      let host: HeadlessHost;
      try {
        host = await startHeadless({ dataDir, config: configFile, env: named ? { BOOTH_CRASH_AT: named } : {} });
      } catch (error) {
        // A crash point can be reached by start-up work (uploads left from the last run) before the bridge opens.
        if (!(error instanceof HostStartError) || !named || error.exit.signal !== 'SIGKILL') throw error;
        deaths.named++;
        continue;
      }
      if (!named) setTimeout(() => host.child.kill('SIGKILL'), 50 + random() * 400);
      await admitUntilDeath(host, screen, random, named ? 40 : 10_000);
      if (named && host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGKILL');
      const exit = await host.exited;
      expect(exit.signal).toBe('SIGKILL');
      deaths[named ? 'named' : 'random']++;
    }

    // A clean run delivers whatever was left.
    const host = await startHeadless({ dataDir, config: configFile });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await host.invoke<{ pending: number; dead: number }>('sync:status');
      if (status.ok && status.value.pending === 0) break;
      if (Date.now() > deadline) throw new Error(`uploads still pending: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await host.invoke<{ dead: number }>('sync:status')).ok).toBe(true);
    await host.stop();

    const db = new Database(path.join(dataDir, 'booth.db'), { readonly: true });
    const local = new Map((db.prepare('SELECT reference, SUM(persons) AS n FROM admissions GROUP BY reference').all() as { reference: string; n: number }[]).map((r) => [r.reference, r.n]));
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM admissions').get() as { n: number }).n;
    expect(db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state != 'done'").get()).toEqual({ n: 0 });
    db.close();

    expect(deaths.named + deaths.random).toBe(kills);
    expect([...screen.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    for (const [reference, persons] of screen) expect(local.get(reference) ?? 0).toBeGreaterThanOrEqual(persons);
    for (let n = 1; n <= TICKETS; n++) expect(cloud.tickets.get(ref(n))?.attractions.A?.used ?? 0).toBe(local.get(ref(n)) ?? 0);
    expect(cloud.stats().admissions.applied).toBe(rows);
    expect(cloud.stats().admissions.distinct).toBe(rows);
  }, 600_000);
});
