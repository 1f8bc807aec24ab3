/**
 * A full disk in the middle of a payout (SQLITE_FULL on the ledger's write of
 * a coin seen): the customer is told the payout stopped instead of watching
 * "paying out" for ever, nothing is paid twice, and once space is freed the
 * coins are counted from the hopper and the job is reported, without a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { FakeHopper } from '../support/fake-hopper';
import { payoutKiosk, until } from '../support/payout';
import { tempDir } from '../support/temp';

let sim: CloudSim;
afterEach(async () => {
  await sim?.close();
});

/** Fills the disk as the first command starts: every later write `on` (a payout step by default) needs a page the database may not have. */
class HopperOnAFillingDisk extends FakeHopper {
  db: Database.Database | null = null;
  constructor(private readonly on = 'UPDATE ON payout_steps') {
    super();
  }
  override async dispense(coins: number, options: { expectedEventCounter: number }, onProgress?: (paid: number) => void) {
    if (this.db) {
      this.db.exec(`CREATE TRIGGER disk_fills AFTER ${this.on} BEGIN INSERT INTO bench_scratch (payload) VALUES (randomblob(200000)); END`);
      this.db.pragma(`max_page_count = ${this.db.pragma('page_count', { simple: true }) as number}`);
      this.db = null;
    }
    return super.dispense(coins, options, onProgress);
  }
}

const freeSpace = (db: Database.Database) => {
  db.exec('DROP TRIGGER disk_fills');
  db.pragma('max_page_count = 1073741823');
};

describe('payout: a full disk mid-payout', () => {
  it('tells the customer the payout stopped, never pays twice, and counts and reports the coins once space is freed', async () => {
    sim = await startCloudSim({ initial: {} });
    const hopper = new HopperOnAFillingDisk();
    const k = await payoutKiosk(tempDir(), sim, {}, hopper);
    const session = await k.start(5);
    hopper.db = k.kiosk.store.db;
    sim.payout.pay(session.transactionId);
    const stopped = await until('the customer is told', async () => {
      const s = (await k.status()).session;
      return s?.state === 'partial' ? s : null;
    });
    expect(stopped).toMatchObject({ transactionId: session.transactionId, paidIsLowerBound: true });
    // Nothing more is paid while the coins cannot be written down, however often the job comes.
    await new Promise((r) => setTimeout(r, 500));
    expect(hopper.commands).toEqual([20]);
    const paidWhileFull = hopper.coinsOut;
    expect(paidWhileFull).toBeGreaterThan(0);
    expect(paidWhileFull).toBeLessThan(20);

    freeSpace(k.kiosk.store.db);
    const owed = await until('counted from the hopper', async () => {
      const list = (await k.summary()).owed;
      return list.length === 1 && !list[0]!.needsHandCount ? list : null;
    });
    expect(owed[0]).toMatchObject({ transactionId: session.transactionId, coinsOwed: 20, coinsPaid: paidWhileFull });
    expect(await k.status()).toMatchObject({ inService: false });
    await k.reportsSent();
    expect(sim.payout.reports().at(-1)?.body).toMatchObject({ success: false, dispensed: paidWhileFull });
    expect(hopper.coinsOut).toBe(paidWhileFull);
    await k.kiosk.stop();
  });

  it('shows the coins paid as paid when the disk fills after the last coin, and reports the job once space is freed', async () => {
    sim = await startCloudSim({ initial: {} });
    // The last write of the payout (closing the transaction, queueing its report) is the one refused.
    const hopper = new HopperOnAFillingDisk('UPDATE OF resolved_at ON payout_transactions');
    const k = await payoutKiosk(tempDir(), sim, {}, hopper);
    const session = await k.start(5);
    hopper.db = k.kiosk.store.db;
    sim.payout.pay(session.transactionId);
    const done = await until('the customer is told', async () => {
      const s = (await k.status()).session;
      return s?.state === 'done' ? s : null;
    });
    expect(done).toMatchObject({ coinsOwed: 20, coinsPaid: 20 });
    await new Promise((r) => setTimeout(r, 500));
    freeSpace(k.kiosk.store.db);
    await until('reported', () => sim.payout.reports().some((r) => r.outcome === 'job-completed') || null);
    await k.reportsSent();
    expect(sim.payout.reports().filter((r) => r.outcome === 'job-completed').map((r) => r.body)).toEqual([expect.objectContaining({ success: true, dispensed: 20 })]);
    expect(hopper.coinsOut).toBe(20);
    expect(hopper.commands).toEqual([20]);
    expect((await k.summary()).owed).toEqual([]);
    await k.kiosk.stop();
  });
});
