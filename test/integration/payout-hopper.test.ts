/**
 * The payout kiosk through the real ccTalk driver and serialport on a socat
 * pty (the hopper simulator on the far end) and the payout API over real
 * HTTP: what a field test with an independent hopper and server found
 * (issue 7, payout items 6, 7, 9, 11, 12).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OwedPayout, PayoutSession } from '../../preload/contract';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { payoutKioskOnPty, until } from '../support/payout';
import { tempDir } from '../support/temp';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function rig(hopper: Parameters<typeof payoutKioskOnPty>[3] = {}, patch: Parameters<typeof payoutKioskOnPty>[2] = {}) {
  const cloud: CloudSim = await startCloudSim();
  cleanups.push(() => cloud.close());
  const k = await payoutKioskOnPty(tempDir(), cloud, patch, hopper);
  cleanups.push(k.close);
  await k.invoke('admin:unlock', { pin: '2468' });
  /** Every coinsPaid the screen was given while coins were moving. */
  const shown: number[] = [];
  k.kiosk.events.subscribe((name, payload) => {
    const s = payload as PayoutSession;
    if (name === 'payout:progress' && s.state === 'paying-out') shown.push(s.coinsPaid);
  });
  const sessionIn = (state: PayoutSession['state'], timeoutMs = 15_000) =>
    until(`session ${state}`, async () => {
      const s = (await k.status()).session;
      return s?.state === state ? s : null;
    }, timeoutMs);
  const owedEntry = async (transactionId: string): Promise<OwedPayout | undefined> => (await k.summary()).owed.find((o) => o.transactionId === transactionId);
  const reports = (jobId: string) => cloud.payout.reports(jobId).filter((r) => r.outcome !== 'replayed').map((r) => r.body as Record<string, unknown>);
  return { cloud, k, shown, sessionIn, owedEntry, reports };
}

describe('payout: a hopper power cut whose counters restart at 0 (item 6, 9)', () => {
  it('keeps the coins it saw as a lower bound, goes out of service, never pays the whole amount again; the hand count settles it', async () => {
    const { cloud, k, shown, sessionIn, owedEntry, reports } = await rig({ payMs: 40, countersRestartOnPowerUp: true });
    const session = await k.start(5);
    const job = cloud.payout.pay(session.transactionId);
    await until('coins moving', () => shown.some((paid) => paid >= 3) || null);
    await k.device.untilPaid(6);
    k.device.powerCut({ offMs: 300 });

    // The customer sees what is known: at least what was shown, and that the attendant counts the rest.
    const stopped = await sessionIn('partial');
    const truth = k.device.coinsPaidTotal;
    expect(k.device.lifetime).toBe(0);
    expect(stopped.paidIsLowerBound).toBe(true);
    expect(stopped.coinsPaid).toBeGreaterThanOrEqual(Math.max(...shown));
    expect(stopped.coinsPaid).toBeGreaterThanOrEqual(3);
    expect(stopped.coinsPaid).toBeLessThanOrEqual(truth);

    // A mismatch that needs a hand count, never "0 of 20 paid": nothing more is paid by itself.
    expect(await k.status()).toMatchObject({ inService: false, outOfServiceReason: expect.stringMatching(/hand count/) });
    expect(await owedEntry(session.transactionId)).toMatchObject({ reason: 'mismatch', needsHandCount: true, coinsPaidAtLeast: stopped.coinsPaid, payable: 0 });
    await expect(k.invoke('payout:pay-owed', { transactionId: session.transactionId })).rejects.toThrow(/hand count/);
    await expect(k.start(5)).rejects.toThrow(/out of service/);
    expect(k.device.coinsPaidTotal).toBe(truth);
    await k.reportsSent();
    expect(reports(job.id).at(-1)).toMatchObject({ success: false, dispensed: stopped.coinsPaid });

    // The attendant cannot count below what the kiosk saw; the true count settles the transaction.
    await expect(k.invoke('payout:record-hand-count', { transactionId: session.transactionId, coins: stopped.coinsPaid - 1 })).rejects.toThrow(/at least/);
    const after = await k.invoke<OwedPayout[]>('payout:record-hand-count', { transactionId: session.transactionId, coins: truth });
    expect(after).toEqual([expect.objectContaining({ transactionId: session.transactionId, reason: 'partial', coinsPaid: truth, needsHandCount: false, payable: 20 - truth })]);
    expect(await k.status()).toMatchObject({ inService: true });
    const audit = k.kiosk.store.db.prepare("SELECT detail, detail_coded FROM audit WHERE action = 'payout.hand-count'").all() as { detail: string; detail_coded: string }[];
    expect(audit).toEqual([{ detail: expect.stringContaining(`counted by hand: ${truth} coins for 20 owed`), detail_coded: expect.any(String) }]);
    // The same as a code with its numbers, for the audit page in the screen's language.
    expect(JSON.parse(audit[0]!.detail_coded)).toMatchObject({ code: 'audit-hand-count', params: { reference: session.reference, counted: truth, owed: 20 } });
    await k.reportsSent();
    expect(reports(job.id).at(-1)).toMatchObject({ success: false, error: 'hand_count', dispensed: truth });

    // The remainder is paid from admin: 20 in total, reported.
    expect(await k.invoke('payout:pay-owed', { transactionId: session.transactionId })).toEqual([]);
    expect(k.device.coinsPaidTotal).toBe(20);
    await k.reportsSent();
    expect(reports(job.id).at(-1)).toMatchObject({ success: true, error: null, dispensed: 20 });
  });

  it('records a hand count above what was owed as an overpayment, and reports the true total', async () => {
    const { cloud, k, sessionIn, reports } = await rig({ payMs: 40, countersRestartOnPowerUp: true });
    const session = await k.start(5);
    const job = cloud.payout.pay(session.transactionId);
    await k.device.untilPaid(4);
    k.device.powerCut({ offMs: 200 });
    await sessionIn('partial');
    // Say the kiosk had paid the customer before by hand: 23 coins in their hands.
    expect(await k.invoke('payout:record-hand-count', { transactionId: session.transactionId, coins: 23 })).toEqual([]);
    const row = k.kiosk.store.db.prepare('SELECT coins_owed, coins_paid, coins_overpaid, hand_count FROM payout_transactions WHERE id = ?').get(session.transactionId);
    expect(row).toEqual({ coins_owed: 20, coins_paid: 20, coins_overpaid: 3, hand_count: 23 });
    expect(await k.status()).toMatchObject({ inService: true });
    expect((await k.summary()).payoutsToday.coins).toBe(23);
    await k.reportsSent();
    expect(reports(job.id).at(-1)).toMatchObject({ success: true, error: 'overpaid', dispensed: 23 });
    await expect(k.invoke('payout:pay-owed', { transactionId: session.transactionId })).rejects.toThrow(/Nothing is owed/);
  });
});

describe("payout: the server's coin count is bounded by what this kiosk sold (item 7)", () => {
  it('a job asking 40 coins for a 5.00 transaction (20 coins) pays 20, and flags the difference for the attendant and in the report', async () => {
    const { cloud, k, sessionIn, owedEntry, reports } = await rig();
    const session = await k.start(5);
    const job = cloud.payout.pay(session.transactionId, { quarters: 40 });
    expect(await sessionIn('done')).toMatchObject({ coinsPaid: 20, coinsOwed: 20, message: null });
    expect(k.device.coinsPaidTotal).toBe(20);
    await k.reportsSent();
    expect(reports(job.id)).toEqual([expect.objectContaining({ success: true, error: 'quarters_over_amount', dispensed: 20 })]);
    expect(await owedEntry(session.transactionId)).toMatchObject({ reason: 'asked-more', coinsAsked: 40, coinsSold: 20, coinsPaid: 20, payable: 0 });
    expect(await k.status()).toMatchObject({ inService: true });

    // The cloud retries it: nothing more is paid, the same flag is reported.
    cloud.payout.retryJob(job.id);
    await until('retry answered', () => reports(job.id).length >= 2 || null);
    expect(k.device.coinsPaidTotal).toBe(20);
    expect(reports(job.id)[1]).toMatchObject({ success: true, error: 'quarters_over_amount', dispensed: 20 });

    // The attendant checked it.
    expect(await k.invoke<OwedPayout[]>('payout:dismiss', { transactionId: session.transactionId })).toEqual([]);
    const audit = k.kiosk.store.db.prepare("SELECT detail, detail_coded FROM audit WHERE action = 'payout.dismiss'").all() as { detail: string; detail_coded: string }[];
    expect(audit).toEqual([{ detail: expect.stringContaining('asked 40 coins'), detail_coded: expect.any(String) }]);
    expect(JSON.parse(audit[0]!.detail_coded)).toMatchObject({ code: 'audit-dismiss', params: { owedReason: 'asked-more' } });
  });

  it('a job asking 0 coins for a paid transaction pays nothing, flags it, and tells the customer the attendant will pay', async () => {
    const { cloud, k, sessionIn, owedEntry, reports } = await rig();
    const session = await k.start(5);
    const job = cloud.payout.pay(session.transactionId, { quarters: 0 });
    expect(await sessionIn('failed')).toMatchObject({ message: 'attendant' });
    await k.reportsSent();
    expect(reports(job.id)).toEqual([expect.objectContaining({ success: true, error: 'quarters_under_amount', dispensed: 0 })]);
    expect(await owedEntry(session.transactionId)).toMatchObject({ reason: 'asked-less', coinsAsked: 0, coinsSold: 20, coinsOwed: 0, payable: 0 });
    expect(k.device.coinsPaidTotal).toBe(0);
  });

  it('a job asking 10 coins for a 5.00 transaction pays 10 as asked, and flags it on the screen, for the attendant and in the report', async () => {
    const { cloud, k, sessionIn, owedEntry, reports } = await rig();
    const session = await k.start(5);
    const job = cloud.payout.pay(session.transactionId, { quarters: 10 });
    expect(await sessionIn('done')).toMatchObject({ coinsPaid: 10, coinsOwed: 10, message: 'asked-less' });
    expect(k.device.coinsPaidTotal).toBe(10);
    await k.reportsSent();
    expect(reports(job.id)).toEqual([expect.objectContaining({ success: true, error: 'quarters_under_amount', dispensed: 10 })]);
    expect(await owedEntry(session.transactionId)).toMatchObject({ reason: 'asked-less', coinsAsked: 10, coinsSold: 20, payable: 0 });
  });
});

describe('payout: refused jobs for the customer on screen (item 11)', () => {
  it.each([
    { quarters: -5, label: 'negative' },
    { quarters: 2.5, label: 'fractional' },
  ])('a $label count: the customer is told the payment arrived and the attendant will pay; the owed list has it, payable from admin', async ({ quarters }) => {
    const { cloud, k, sessionIn, owedEntry, reports } = await rig();
    const session = await k.start(5);
    const job = cloud.payout.pay(session.transactionId, { quarters });
    expect(await sessionIn('failed')).toMatchObject({ message: 'attendant' });
    expect(k.device.coinsPaidTotal).toBe(0);
    await k.reportsSent();
    expect(reports(job.id)[0]).toMatchObject({ success: false, error: 'invalid_quarters', dispensed: 0 });
    expect(await owedEntry(session.transactionId)).toMatchObject({ reason: 'refused-job', coinsAsked: quarters, coinsSold: 20, coinsOwed: 20, payable: 20 });
    expect(await k.invoke('payout:pay-owed', { transactionId: session.transactionId })).toEqual([]);
    expect(k.device.coinsPaidTotal).toBe(20);
  });

  it('an over-limit count for a transaction it sold pays what it sold, to the customer on screen', async () => {
    const { cloud, k, sessionIn } = await rig();
    const session = await k.start(5);
    cloud.payout.pay(session.transactionId, { quarters: 1e9 });
    expect(await sessionIn('done')).toMatchObject({ coinsPaid: 20 });
    expect(k.device.coinsPaidTotal).toBe(20);
  });
});

describe('payout: what the attendant is told about the hopper (item 12)', () => {
  it('a NAK to the dispense command names the likely cause: devices.hopper.serialNumberDispense', async () => {
    const { cloud, k, sessionIn, owedEntry } = await rig({ dispenseForm: 'plain' });
    const session = await k.start(5);
    cloud.payout.pay(session.transactionId);
    await sessionIn('partial');
    expect(k.device.coinsPaidTotal).toBe(0);
    const status = await k.status();
    expect(status.inService).toBe(false);
    expect(status.outOfServiceReason).toMatch(/devices\.hopper\.serialNumberDispense \(now true\)/);
    expect(status.hopper.lastError).toMatch(/serialNumberDispense/);
    // The screen words the kind; the driver's words stay beneath.
    expect(status.hopper.lastErrorKind).toBe('payout');
    expect(status.outOfServiceCoded).toMatchObject({ code: 'oos-stopped-owed', params: { fault: 'refused' } });
    expect((await owedEntry(session.transactionId))?.detail).toMatch(/serialNumberDispense/);
  });

  it('after a jam, the owed entry keeps the true coins paid across further attempts (not "jam after 0 of 13 coins")', async () => {
    const { cloud, k, sessionIn, owedEntry } = await rig({ payMs: 5 });
    k.device.jamAfter(7);
    const session = await k.start(5);
    cloud.payout.pay(session.transactionId);
    expect(await sessionIn('partial')).toMatchObject({ coinsPaid: 7, paidIsLowerBound: false });
    expect((await owedEntry(session.transactionId))?.detail).toMatch(/7 of 20 coins paid/);
    // The jam is not cleared: "Pay out now" jams again at once.
    await expect(k.invoke('payout:pay-owed', { transactionId: session.transactionId })).rejects.toThrow(/7 of 20 coins paid/);
    const entry = await owedEntry(session.transactionId);
    expect(entry).toMatchObject({ reason: 'partial', coinsPaid: 7, payable: 13 });
    expect(entry?.detail).toMatch(/^the hopper jammed: 7 of 20 coins paid/);
    expect(k.device.coinsPaidTotal).toBe(7);
    k.device.clearFaults();
    expect(await k.invoke('payout:pay-owed', { transactionId: session.transactionId })).toEqual([]);
    expect(k.device.coinsPaidTotal).toBe(20);
  });
});
