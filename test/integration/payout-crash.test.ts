import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPin } from '../../main/config';
import type { OwedPayout, PayoutAdminSummary, PayoutSession, PayoutStatus } from '../../preload/contract';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { HostStartError, startHeadless, type HeadlessHost } from '../support/headless';
import { until } from '../support/payout';
import { soakScale } from '../support/soak';
import { tempDir } from '../support/temp';
import { createPtyPair, type PtyPair } from '../sim/pty';
import { openHopperSimulator, type HopperSimulator } from '../sim/hopper-sim';

const crashPoints = [
  'payout.after-job-recorded',
  'payout.after-intent',
  'payout.mid-dispense',
  'payout.after-motor',
  'payout.before-report',
  'outbox.after-response',
] as const;

let cloud: CloudSim;
let pty: PtyPair;
let hopper: HopperSimulator;
let dataDir: string;
let configFile: string;

beforeAll(async () => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/main/headless.cjs'))) throw new Error('run `node scripts/build.mjs` first');
  cloud = await startCloudSim();
  dataDir = tempDir();
  fs.mkdirSync(path.join(dataDir, 'pty'));
  pty = await createPtyPair(path.join(dataDir, 'pty'));
  // Some rounds cut the whole booth's power: this hopper's counters (the lifetime count too) restart at 0.
  hopper = await openHopperSimulator(pty.simPath, { coins: 100_000, payMs: 5, echo: true, countersRestartOnPowerUp: true });
  configFile = path.join(dataDir, 'config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      kioskName: 'Crash payout',
      modules: ['payout'],
      api: { baseUrl: cloud.apiUrl, timeoutSeconds: 2, retryAttempts: 0 },
      services: { probeIntervalSeconds: 3600, syncIntervalSeconds: 0.1 },
      sync: { backoffBaseSeconds: 0.05, backoffCapSeconds: 0.3 },
      payout: { amounts: [5], maxAmount: 5, dailyCap: 1_000_000, pollIntervalSeconds: 0.05, activePollIntervalSeconds: 0.05 },
      devices: { hopper: { path: pty.devicePath, replyTimeoutMs: 100, reconnectMaxSeconds: 1 } },
      admin: { pinHash: await hashPin('2468', { N: 1024, r: 8, p: 1 }) },
      logging: { level: 'warn' },
    }),
  );
});

afterAll(async () => {
  await hopper?.close();
  await pty?.close();
  await cloud?.close();
});

async function status(host: HeadlessHost): Promise<PayoutStatus | null> {
  const result = await host.invoke<PayoutStatus>('payout:status');
  return result.ok ? result.value : null;
}

/**
 * The attendant of the soak: the coins that left the hopper are attributed to
 * the transaction that was paying (one payout at a time), and a transaction
 * the hopper could not count gets a hand count of exactly those coins.
 */
function attendant() {
  const truth = new Map<string, number>();
  let counted = 0;
  const done = { handCounts: 0, paidFromAdmin: 0 };
  return {
    truth,
    done,
    /** Coins that left since the last call belong to `transactionId` (waits until the hopper is still). */
    async attribute(transactionId: string | null) {
      await until('hopper still', () => (!hopper.paying ? true : null), 15_000);
      const moved = hopper.coinsPaidTotal - counted;
      counted = hopper.coinsPaidTotal;
      if (moved > 0) {
        if (transactionId === null) throw new Error(`${moved} coins left the hopper for no transaction`);
        truth.set(transactionId, (truth.get(transactionId) ?? 0) + moved);
      }
    },
    /** Hand counts every transaction that needs one, pays the rest of some from admin, and puts the kiosk back in service. */
    async settle(host: HeadlessHost, payRemainders: boolean): Promise<'gone' | 'done'> {
      const call = async <T>(name: string, args: unknown = {}) => {
        const r = await host.invoke<T>(name, args);
        if (!r.ok && r.error.message === 'host gone') return 'gone' as const;
        if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
        return r.value;
      };
      if ((await call('admin:unlock', { pin: '2468' })) === 'gone') return 'gone';
      const summary = await call<PayoutAdminSummary>('payout:admin-summary');
      if (summary === 'gone') return 'gone';
      let owed: OwedPayout[] = summary.owed;
      for (const o of owed.filter((e) => e.needsHandCount)) {
        const after = await call<OwedPayout[]>('payout:record-hand-count', { transactionId: o.transactionId, coins: truth.get(o.transactionId) ?? 0 });
        if (after === 'gone') return 'gone';
        done.handCounts++;
        owed = after;
      }
      if (payRemainders) {
        for (const o of owed.filter((e) => e.payable > 0)) {
          const r = await host.invoke('payout:pay-owed', { transactionId: o.transactionId });
          await this.attribute(o.transactionId);
          if (r.ok) done.paidFromAdmin++;
          if (!r.ok) return host.child.exitCode !== null || host.child.signalCode !== null ? 'gone' : 'done';
        }
      }
      const status = await call<PayoutStatus>('payout:status');
      if (status === 'gone') return 'gone';
      if (!status.inService && (await call('payout:back-in-service')) === 'gone') return 'gone';
      return 'done';
    },
  };
}

describe('payout under kill -9', () => {
  const rounds = soakScale(8, 210);

  it(`never pays a transaction more than it owes, and flags every difference, over ${rounds} crashed payouts (some in whole-booth power cuts)`, async () => {
    const started: string[] = [];
    const staff = attendant();
    let paying: string | null = null;
    let powerCuts = 0;
    for (let round = 0; round < rounds; round++) {
      // Two rounds in ten the power of the whole booth goes mid-payout, the second before any other coin is paid
      // (the hopper's restarted counters read as they did before the command); otherwise a named crash point, or
      // kill -9 at a random moment.
      const powerCut = round % 10 === 4 || round % 10 === 5;
      const named = powerCut || round % 4 === 3 ? undefined : crashPoints[round % crashPoints.length];
      let host: HeadlessHost;
      try {
        host = await startHeadless({ dataDir, config: configFile, env: named ? { BOOTH_CRASH_AT: named } : {} });
      } catch (error) {
        // Start-up work (a report left by the last run) can reach the crash point before the bridge opens.
        if (error instanceof HostStartError && error.exit.signal === 'SIGKILL') continue;
        throw error;
      }
      let last: PayoutStatus | null = null;
      const ready = await until('hopper connected and payouts counted', async () => {
        const s = (last = await status(host));
        if (!s) return host.child.exitCode !== null || host.child.signalCode !== null ? 'gone' : null;
        return s.hopper.connected && s.uncountedPayouts === 0 ? s : null;
      }, 15_000).catch((error: unknown) => {
        // What the kiosk said, for whoever reads a failed soak.
        const logFile = path.join(dataDir, 'booth.log');
        const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n') : '(no log)';
        throw new Error(`${(error as Error).message} in round ${round}: ${JSON.stringify(last)}\n${JSON.stringify(hopper.state())}\n${tail}`);
      });
      await staff.attribute(paying);
      if (ready === 'gone') continue;
      if (!ready.inService) {
        // An interrupted payout left coins unpaid or uncounted: the attendant counts, pays (every other time) and puts it back.
        if ((await staff.settle(host, round % 2 === 0)) === 'gone') {
          // A crash point was reached: the next host may open the hopper only once this one is gone.
          if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGKILL');
          await host.exited;
          continue;
        }
      }
      const session = await host.invoke<PayoutSession>('payout:start', { amount: 5 });
      if (!session.ok) {
        await host.stop();
        continue;
      }
      started.push(session.value.transactionId);
      paying = session.value.transactionId;
      const before = hopper.coinsPaidTotal;
      cloud.payout.pay(session.value.transactionId);
      if (powerCut) {
        powerCuts++;
        const cutAt = before + 1 + Math.floor(Math.random() * 18);
        void until('coins moving', () => (hopper.coinsPaidTotal >= cutAt || (!hopper.paying && hopper.coinsPaidTotal >= before + 20) ? true : null), 8_000)
          .then(() => {
            hopper.powerCut({ offMs: 100 });
            host.child.kill('SIGKILL');
          })
          .catch(() => host.child.kill('SIGKILL'));
      } else if (!named) setTimeout(() => host.child.kill('SIGKILL'), 20 + Math.random() * 200);
      const exit = await Promise.race([host.exited, new Promise<null>((r) => setTimeout(() => r(null), 8_000))]);
      if (exit === null) {
        // The payout finished before the kill: stop it.
        host.child.kill('SIGKILL');
        await host.exited;
      }
    }

    // A clean run settles what is left: counts interrupted commands, the attendant counts by hand, the reports go.
    const host = await startHeadless({ dataDir, config: configFile });
    await until('counted', async () => ((await status(host))?.uncountedPayouts === 0 ? true : null), 15_000);
    await staff.attribute(paying);
    expect(await staff.settle(host, false)).toBe('done');
    await until('settled', async () => {
      const s = await status(host);
      const sync = await host.invoke<{ pending: number }>('sync:status');
      // Every job the cloud holds was answered (a failed answer makes the cloud retry it, up to its limit).
      const jobsOpen = cloud.payout.jobs().some((j) => j.status === 'pending');
      return s && sync.ok && s.uncountedPayouts === 0 && sync.value.pending === 0 && !hopper.paying && !jobsOpen;
    }, 60_000);
    await host.stop();

    const db = new Database(path.join(dataDir, 'booth.db'), { readonly: true });
    const rows = db
      .prepare("SELECT id, coins_owed, coins_paid, coins_overpaid, owed_reason, resolved_at FROM payout_transactions WHERE id NOT LIKE 'test-%'")
      .all() as { id: string; coins_owed: number | null; coins_paid: number; coins_overpaid: number; owed_reason: string | null; resolved_at: string | null }[];
    const open = db.prepare("SELECT COUNT(*) AS n FROM payout_steps WHERE state IN ('intent', 'unknown')").get() as { n: number };
    db.close();

    expect(started.length).toBeGreaterThan(rounds / 2);
    expect(powerCuts).toBeGreaterThan(0);
    // What this run went through, for the soak's log.
    console.info(
      `payout soak: ${rounds} rounds, ${started.length} payouts, ${powerCuts} whole-booth power cuts, ${staff.done.handCounts} hand counts, ${staff.done.paidFromAdmin} paid from admin, ${hopper.coinsPaidTotal} coins`,
    );
    expect(open.n).toBe(0);
    let ledgerPaid = 0;
    for (const row of rows) {
      ledgerPaid += row.coins_paid + row.coins_overpaid;
      expect(row.coins_paid).toBeLessThanOrEqual(row.coins_owed ?? 0);
      // No transaction got more coins than it owed, and the ledger knows exactly what each got.
      const got = staff.truth.get(row.id) ?? 0;
      expect(got, `transaction ${row.id}: ${got} coins left the hopper for ${row.coins_owed} owed`).toBeLessThanOrEqual(row.coins_owed ?? 0);
      expect(row.coins_paid + row.coins_overpaid, `transaction ${row.id}`).toBe(got);
      const settled = row.coins_paid === row.coins_owed;
      const flagged = row.owed_reason !== null && row.resolved_at === null;
      expect(settled || flagged, `transaction ${row.id}: ${row.coins_paid} of ${row.coins_owed} paid and not flagged`).toBe(true);
    }
    // Every coin that left the hopper is in the ledger, and no transaction got more than it owed.
    expect(ledgerPaid).toBe(hopper.coinsPaidTotal);
    expect(hopper.coinsPaidTotal).toBeLessThanOrEqual(started.length * 20);
    // The cloud's last word on each transaction matches the ledger.
    for (const row of rows) {
      const reported = cloud.payout.dispensed(row.id);
      if (reported.length > 0) expect(reported.at(-1)).toBe(row.coins_paid + row.coins_overpaid);
    }
  }, 900_000);
});
