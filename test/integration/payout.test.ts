import { afterEach, describe, expect, it } from 'vitest';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { FakeHopper } from '../support/fake-hopper';
import { payoutKiosk, until } from '../support/payout';
import { tempDir } from '../support/temp';

let sim: CloudSim;
afterEach(async () => {
  await sim?.close();
});

const newSim = async (initial = {}) => (sim = await startCloudSim({ initial }));

describe('payout: the customer flow', () => {
  it('shows a QR until paid, pays the coins with progress, reports the total once, and says the kiosk was seen', async () => {
    await newSim();
    const k = await payoutKiosk(tempDir(), sim);
    const session = await k.start(5);
    expect(session).toMatchObject({ state: 'waiting-payment', amount: 5, coinsPaid: 0, qrUrl: expect.stringMatching(/^https:\/\//) });
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now() + 14 * 60_000);
    const progress: number[] = [];
    k.kiosk.events.subscribe((name, payload) => {
      if (name === 'payout:progress') progress.push((payload as { coinsPaid: number }).coinsPaid);
    });
    sim.payout.pay(session.transactionId);
    const done = await until('paid out', async () => ((await k.status()).session?.state === 'done' ? (await k.status()).session : null));
    expect(done).toMatchObject({ coinsOwed: 20, coinsPaid: 20 });
    expect(k.hopper.coinsOut).toBe(20);
    expect(progress.at(-1)).toBe(20);
    expect(progress.filter((p) => p > 0 && p < 20).length).toBeGreaterThan(0);
    await k.reportsSent();
    const reports = sim.payout.reports().filter((r) => r.outcome === 'job-completed');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.body).toMatchObject({ success: true, error: null, kioskId: k.kiosk.store.kioskId, dispensed: 20 });
    expect(Date.now() - Date.parse(sim.payout.lastSeen(k.kiosk.store.kioskId)!)).toBeLessThan(5_000);
    await k.kiosk.stop();
  });

  it('falls back to 15 minutes when the server sends no expiresAt, and expires the QR on screen', async () => {
    await newSim({ omitExpiresAt: true });
    const k = await payoutKiosk(tempDir(), sim);
    const session = await k.start(10);
    expect(Math.abs(Date.parse(session.expiresAt) - (Date.now() + 15 * 60_000))).toBeLessThan(5_000);
    await k.kiosk.stop();

    await sim.close();
    await newSim({ transactionTtlSeconds: 1 });
    const short = await payoutKiosk(tempDir(), sim);
    const s2 = await short.start(5);
    await until('expired', async () => (await short.status()).session === null);
    // The customer has gone: a late payment is not paid into the tray.
    sim.payout.pay(s2.transactionId);
    await until('kept as owed', async () => (await short.summary()).owed.length === 1);
    expect(short.hopper.coinsOut).toBe(0);
    expect((await short.summary()).owed[0]).toMatchObject({ transactionId: s2.transactionId, coinsOwed: 20, reason: 'customer-absent' });
    await short.reportsSent();
    expect(sim.payout.reports().at(-1)?.body).toMatchObject({ success: false, error: 'customer_absent', dispensed: 0 });
    await short.kiosk.stop();
  });

  it('works with a server without GET transaction/{id}: the job tells of the payment, and the route is not asked again', async () => {
    await newSim({ noTransactionStatus: true });
    const k = await payoutKiosk(tempDir(), sim);
    const session = await k.start(5);
    await until('a few polls', () => sim.received.filter((r) => r.url.includes('/jobs/pending')).length > 5 || null);
    const statusAsks = sim.received.filter((r) => r.url.includes(`/transaction/${session.transactionId}`)).length;
    expect(statusAsks).toBe(1);
    sim.payout.pay(session.transactionId);
    await until('paid', async () => (await k.status()).session?.state === 'done');
    expect(k.hopper.coinsOut).toBe(20);
    await k.kiosk.stop();
  });

  it('refuses an amount it does not offer, and one over the day’s cap', async () => {
    await newSim();
    const k = await payoutKiosk(tempDir(), sim, { payout: { dailyCap: 17 } });
    await expect(k.start(7)).rejects.toThrow(/not one of the amounts/);
    // The screen words it in its language from the code and the amount.
    expect(await k.kiosk.handlers.invoke('payout:start', { amount: 7 })).toMatchObject({
      ok: false,
      // The amount with its currency: the screen writes it the venue's way.
      error: { reason: { code: 'payout-amount-not-offered', params: { amount: 7, currency: expect.any(String) } } },
    });
    // An abandoned QR spends nothing.
    const abandoned = await k.start(10);
    await k.invoke('payout:leave', { transactionId: abandoned.transactionId });
    const paid = await k.start(10);
    sim.payout.pay(paid.transactionId);
    await until('paid', async () => (await k.status()).session?.state === 'done');
    expect((await k.status()).remainingToday).toBe(7);
    await expect(k.start(10)).rejects.toThrow(/daily payout limit/);
    expect(await k.kiosk.handlers.invoke('payout:start', { amount: 10 })).toMatchObject({ ok: false, error: { reason: { code: 'payout-daily-limit' } } });
    await k.start(5);
    await k.kiosk.stop();
  });

  it('cannot start a payment while the network is down, and says so', async () => {
    await newSim();
    sim.set({ down: true });
    const k = await payoutKiosk(tempDir(), sim);
    await expect(k.start(5)).rejects.toThrow(/No connection/);
    expect(await k.kiosk.handlers.invoke('payout:start', { amount: 5 })).toMatchObject({ ok: false, error: { reason: { code: 'payout-service-offline' } } });
    await k.kiosk.stop();
  });
});

describe('payout: the money rule', () => {
  it('pays a job delivered again, or retried after success, nothing more', async () => {
    await newSim();
    const k = await payoutKiosk(tempDir(), sim);
    const session = await k.start(5);
    const job = sim.payout.pay(session.transactionId);
    await until('paid', async () => (await k.status()).session?.state === 'done');
    await k.reportsSent();
    sim.payout.retryJob(job.id);
    await until('retry answered', () => sim.payout.reports(job.id).filter((r) => r.outcome !== 'replayed').length >= 2);
    expect(k.hopper.coinsOut).toBe(20);
    expect(sim.payout.dispensed(session.transactionId).at(-1)).toBe(20);
    await k.kiosk.stop();
  });

  it('pays only the remainder when a failed job is retried after a partial payout', async () => {
    await newSim();
    const hopper = new FakeHopper();
    hopper.jamAfter(8);
    const k = await payoutKiosk(tempDir(), sim, {}, hopper);
    const session = await k.start(5);
    const job = sim.payout.pay(session.transactionId);
    const partial = await until('partial', async () => ((await k.status()).session?.state === 'partial' ? (await k.status()) : null));
    expect(partial.session).toMatchObject({ coinsPaid: 8, coinsOwed: 20, reference: session.reference });
    expect(partial.inService).toBe(false);
    await k.reportsSent();
    expect(sim.payout.reports(job.id).at(-1)?.body).toMatchObject({ success: false, error: 'jam', dispensed: 8 });

    // The attendant clears the jam; the cloud retries the job (retryCount + 1).
    hopper.jamAfter(null);
    await k.invoke('admin:unlock', { pin: '2468' });
    await k.invoke('payout:back-in-service');
    await until('retried', () => sim.payout.job(job.id)?.retryCount === 1 || null);
    await until('paid the rest', async () => (await k.status()).session?.state === 'done');
    expect(k.hopper.coinsOut).toBe(20);
    expect(hopper.commands).toEqual([20, 12]);
    await k.kiosk.stop();
  });

  it('keeps a job for a transaction it did not create as owed, until the attendant pays it', async () => {
    await newSim();
    const k = await payoutKiosk(tempDir(), sim);
    await until('first poll', () => sim.payout.lastSeen(k.kiosk.store.kioskId));
    const job = sim.payout.createJob({ kioskId: k.kiosk.store.kioskId, quarters: 12 });
    await until('owed', async () => (await k.summary()).owed.length === 1);
    expect(k.hopper.coinsOut).toBe(0);
    await k.reportsSent();
    expect(sim.payout.reports(job.id)[0]?.body).toMatchObject({ success: false, error: 'customer_absent', dispensed: 0 });
    expect(await k.invoke('payout:pay-owed', { transactionId: job.transactionId })).toEqual([]);
    expect(k.hopper.coinsOut).toBe(12);
    await expect(k.invoke('payout:pay-owed', { transactionId: job.transactionId })).rejects.toThrow(/Nothing is owed/);
    expect(k.hopper.coinsOut).toBe(12);
    await k.kiosk.stop();
  });

  it('handles hostile coin counts for transactions it did not create: negative and fractional refused, zero complete, huge kept; each refused one in the owed list', async () => {
    await newSim();
    const k = await payoutKiosk(tempDir(), sim);
    await until('first poll', () => sim.payout.lastSeen(k.kiosk.store.kioskId));
    const negative = sim.payout.createJob({ kioskId: k.kiosk.store.kioskId, quarters: -5 });
    const fraction = sim.payout.createJob({ kioskId: k.kiosk.store.kioskId, quarters: 2.5 });
    const zero = sim.payout.createJob({ kioskId: k.kiosk.store.kioskId, quarters: 0 });
    const huge = sim.payout.createJob({ kioskId: k.kiosk.store.kioskId, quarters: 1e9 });
    await until('all answered', () => [negative, fraction, zero, huge].every((j) => sim.payout.reports(j.id).length > 0) || null);
    expect(k.hopper.coinsOut).toBe(0);
    expect(sim.payout.reports(negative.id)[0]?.body).toMatchObject({ success: false, error: 'invalid_quarters' });
    expect(sim.payout.reports(fraction.id)[0]?.body).toMatchObject({ success: false, error: 'invalid_quarters' });
    expect(sim.payout.reports(zero.id)[0]?.body).toMatchObject({ success: true, dispensed: 0 });
    expect(sim.payout.reports(huge.id)[0]?.body).toMatchObject({ success: false, error: 'over_limit' });
    const owed = (await k.summary()).owed;
    expect(owed).toHaveLength(3);
    expect(owed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ transactionId: negative.transactionId, reason: 'refused-job', coinsAsked: -5, payable: 0 }),
        expect.objectContaining({ transactionId: fraction.transactionId, reason: 'refused-job', coinsAsked: 2.5, payable: 0 }),
        expect.objectContaining({ transactionId: huge.transactionId, reason: 'over-limit', payable: 0 }),
      ]),
    );
    // Nothing the kiosk can pay: checked and dismissed by the attendant.
    await expect(k.invoke('payout:pay-owed', { transactionId: negative.transactionId })).rejects.toThrow(/cannot pay this by itself/);
    await k.invoke('payout:dismiss', { transactionId: negative.transactionId });
    expect((await k.summary()).owed).toHaveLength(2);
    await k.kiosk.stop();
  });

  it('ignores garbled answers and goes on polling', async () => {
    await newSim();
    sim.payout.garbleNextJobs(3, 'mixed');
    const k = await payoutKiosk(tempDir(), sim);
    const session = await k.start(5);
    sim.payout.pay(session.transactionId);
    await until('paid', async () => (await k.status()).session?.state === 'done');
    expect(sim.payout.garblesPending()).toBe(0);
    expect(k.log.lines.some((l) => /cannot read|not JSON/.test(l))).toBe(true);
    expect(k.hopper.coinsOut).toBe(20);
    await k.kiosk.stop();
  });

  it('delivers the report later, exactly once, when the network is down after the payout', async () => {
    await newSim();
    const k = await payoutKiosk(tempDir(), sim);
    const session = await k.start(5);
    const job = sim.payout.pay(session.transactionId);
    // The network drops as the coins go out: the report waits in the outbox.
    k.kiosk.events.subscribe((name, payload) => {
      if (name === 'payout:progress' && (payload as { state: string }).state === 'paying-out') sim.set({ down: true });
    });
    await until('paid', async () => (await k.status()).session?.state === 'done');
    expect((await k.invoke<{ pending: number }>('sync:status')).pending).toBe(1);
    sim.set({ down: false });
    await k.reportsSent();
    const completions = sim.payout.reports(job.id).filter((r) => r.outcome === 'job-completed');
    expect(completions).toHaveLength(1);
    expect(completions[0]?.body).toMatchObject({ dispensed: 20 });
    await k.kiosk.stop();
  });
});

describe('payout: the hopper fails', () => {
  it('goes out of service on a jam, says what is owed, and stays out of service after a restart', async () => {
    await newSim();
    const dir = tempDir();
    const hopper = new FakeHopper();
    hopper.jamAfter(3);
    const k = await payoutKiosk(dir, sim, {}, hopper);
    const session = await k.start(5);
    sim.payout.pay(session.transactionId);
    await until('partial', async () => (await k.status()).session?.state === 'partial');
    await k.kiosk.stop();
    const again = await payoutKiosk(dir, sim, {}, new FakeHopper());
    expect(await again.status()).toMatchObject({
      inService: false,
      outOfServiceReason: expect.stringMatching(/17 coins owed/),
      // Kept across the restart as a code with its values, for the screen's language.
      outOfServiceCoded: { code: 'oos-stopped-owed', params: expect.objectContaining({ fault: 'jam', count: 17, reference: session.reference }) },
    });
    await expect(again.start(5)).rejects.toThrow(/out of service/);
    await again.invoke('admin:unlock', { pin: '2468' });
    expect(await again.kiosk.handlers.invoke('payout:dismiss', { transactionId: session.transactionId })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/17 coins are still owed/), reason: { code: 'payout-coins-still-owed', params: { count: 17 } } },
    });
    expect((await again.summary()).owed).toEqual([
      expect.objectContaining({
        coinsOwed: 20,
        coinsPaid: 3,
        reason: 'partial',
        detailCoded: { code: 'owed-stopped', params: expect.objectContaining({ fault: 'jam', paid: 3, owed: 20, atLeast: 0 }) },
      }),
    ]);
    await again.kiosk.stop();
  });

  it('takes itself out of service before the coins run out, and back after a refill', async () => {
    await newSim();
    const k = await payoutKiosk(tempDir(), sim, { payout: { maxAmount: 20, amounts: [5, 20] } });
    await k.invoke('admin:unlock', { pin: '2468' });
    await k.invoke('payout:refilled', { coins: 100 });
    const session = await k.start(5);
    sim.payout.pay(session.transactionId);
    await until('paid', async () => (await k.status()).session?.state === 'done');
    expect(await k.status()).toMatchObject({ inService: true, hopper: { coinsLeft: 80 } });
    const second = await k.start(5);
    sim.payout.pay(second.transactionId);
    await until('paid', async () => (await k.status()).session?.state === 'done');
    // 60 left, but 80 are needed for the largest amount.
    expect(await k.status()).toMatchObject({ inService: false, outOfServiceReason: expect.stringMatching(/coins low/), hopper: { coinsLeft: 60 } });
    expect((await k.status()).outOfServiceCoded).toEqual({ code: 'oos-coins-low', params: { left: 60, needed: 80 } });
    await k.invoke('admin:unlock', { pin: '2468' });
    await k.invoke('payout:refilled', { coins: 500 });
    expect(await k.invoke('payout:back-in-service')).toMatchObject({ inService: true });
    // Audited with why it was out of service, as its code for the screen's language.
    const audit = k.kiosk.store.db.prepare("SELECT detail, detail_coded FROM audit WHERE action = 'payout.back-in-service'").get() as { detail: string; detail_coded: string };
    expect(audit.detail).toMatch(/coins low/);
    expect(JSON.parse(audit.detail_coded)).toEqual({ code: 'oos-coins-low', params: { left: 60, needed: 80 } });
    await k.kiosk.stop();
  });

  it('after a power cut mid-payout, keeps the coins it saw, needs a hand count at restart and never pays again by itself', async () => {
    await newSim();
    const dir = tempDir();
    const hopper = new FakeHopper();
    hopper.powerCutAfter(11);
    const k = await payoutKiosk(dir, sim, {}, hopper);
    const session = await k.start(5);
    sim.payout.pay(session.transactionId);
    await until('stopped', async () => (await k.status()).session?.state === 'partial');
    await k.kiosk.stop();
    hopper.powerBack();
    const again = await payoutKiosk(dir, sim, {}, hopper);
    // The hopper's counters were reset: they cannot tell, however plausible its lifetime count looks.
    const owed = await until('reconciled', async () => {
      const list = (await again.summary()).owed;
      return list[0]?.needsHandCount ? list : null;
    });
    expect(owed).toEqual([expect.objectContaining({ coinsOwed: 20, coinsPaid: 0, coinsPaidAtLeast: 11, reason: 'mismatch', payable: 0 })]);
    expect(await again.status()).toMatchObject({ inService: false });
    await expect(again.invoke('payout:pay-owed', { transactionId: session.transactionId })).rejects.toThrow(/record the hand count/);
    expect(hopper.coinsOut).toBe(11);
    expect(hopper.commands).toEqual([20]);
    // The attendant counts 11 coins: the rest is payable, and the kiosk is back in service.
    expect(await again.invoke('payout:record-hand-count', { transactionId: session.transactionId, coins: 11 })).toEqual([
      expect.objectContaining({ coinsPaid: 11, reason: 'partial', payable: 9, needsHandCount: false }),
    ]);
    expect(await again.status()).toMatchObject({ inService: true });
    expect(await again.invoke('payout:pay-owed', { transactionId: session.transactionId })).toEqual([]);
    expect(hopper.coinsOut).toBe(20);
    await again.kiosk.stop();
  });
});
