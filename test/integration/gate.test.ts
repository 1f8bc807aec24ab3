import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry, GateAdminSummary, GateFlag, GateFlagPage, ScanResult } from '../../preload/contract';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { gateKiosk, ref, TODAY } from '../support/gate';
import { tempDir } from '../support/temp';

const sims: CloudSim[] = [];
afterEach(async () => {
  while (sims.length) await sims.pop()!.close();
});

async function sim(records: { n: number; date?: string; attractions: Record<string, { pax: number; used?: number }> }[]) {
  const s = await startCloudSim({
    tickets: records.map((r) => ({
      bookingDate: r.date ?? TODAY,
      referenceNo: ref(r.n, r.date),
      attractions: Object.fromEntries(Object.entries(r.attractions).map(([k, v]) => [k, { pax: v.pax, used: v.used ?? 0 }])),
    })),
  });
  sims.push(s);
  return s;
}

describe('gate: every result', () => {
  it('decides VALID, ALREADY USED, NOT FOR THIS ATTRACTION, WRONG DAY, UNKNOWN, UNREADABLE from the local store', async () => {
    const cloud = await sim([
      { n: 1, attractions: { A: { pax: 3 }, B: { pax: 1 } } },
      { n: 2, attractions: { A: { pax: 2, used: 2 } } },
      { n: 3, attractions: { B: { pax: 2 } } },
      { n: 4, attractions: { A: { pax: 0 } } },
      { n: 5, date: '2026-01-14', attractions: { A: { pax: 1 } } },
    ]);
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    cloud.set({ down: true }); // everything below is decided offline

    expect(await g.scan(ref(1))).toMatchObject({ kind: 'valid', pax: 3, left: 3, bookingDate: TODAY, test: false });
    expect(await g.scan(ref(2))).toMatchObject({ kind: 'already-used', pax: 2, lastUsedAt: null });
    expect(await g.scan(ref(3))).toMatchObject({ kind: 'not-for-attraction', attraction: 'A' });
    expect(await g.scan(ref(4))).toMatchObject({ kind: 'not-for-attraction' });
    expect(await g.scan(ref(5, '2026-01-14'))).toMatchObject({ kind: 'wrong-day', bookingDate: '2026-01-14', today: TODAY });
    const unknown = await g.scan(ref(99));
    expect(unknown).toMatchObject({ kind: 'unknown' });
    expect(unknown.kind === 'unknown' && unknown.lastDownloadAt).toBeTruthy();
    expect(await g.scan('\u0007\u0000garbage')).toMatchObject({ kind: 'unreadable', reason: 'control-bytes' });
    expect(await g.scan('x'.repeat(300))).toMatchObject({ kind: 'unreadable', reason: 'too-long' });
    await g.kiosk.stop();
  });

  it('admits the chosen number of persons, says how many are left, and then ALREADY USED with when and where', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 4 } } }]);
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    expect(await g.admit(ref(1), 3)).toEqual({ status: 'admitted', reference: ref(1), persons: 3, left: 1, test: false });
    expect(await g.scan(ref(1))).toMatchObject({ kind: 'valid', left: 1 });
    await g.admit(ref(1), 1);
    const used = await g.scan(ref(1));
    expect(used).toMatchObject({ kind: 'already-used', lastUsedGate: 'Gate A' });
    expect(used.kind === 'already-used' && used.lastUsedAt).toBeTruthy();
    await g.kiosk.stop();
  });

  it('refuses more persons than are left, and an admission for a scan that was replaced or cancelled', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 2 } } }, { n: 2, attractions: { A: { pax: 2 } } }]);
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    const first = await g.scan(ref(1));
    expect(await g.invoke('gate:admit', { scanId: first.scanId, persons: 3 })).toMatchObject({ status: 'changed', result: { kind: 'valid', left: 2 } });
    await g.scan(ref(2)); // replaces the pending choice
    expect(await g.invoke('gate:admit', { scanId: first.scanId, persons: 1 })).toEqual({ status: 'expired' });
    const second = await g.scan(ref(2));
    await g.invoke('gate:cancel', { scanId: second.scanId });
    expect(await g.invoke('gate:admit', { scanId: second.scanId, persons: 1 })).toEqual({ status: 'expired' });
    const counted = g.kiosk.store.db.prepare('SELECT COUNT(*) AS n FROM admissions').get();
    expect(counted).toEqual({ n: 0 });
    await g.kiosk.stop();
  });

  it('lets an unanswered choice time out, recording nothing', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 2 } } }]);
    const g = await gateKiosk(tempDir(), cloud, { gate: { choiceTimeoutSeconds: 10 } });
    await g.sync();
    const scan = await g.scan(ref(1));
    g.clock.advance(16_000);
    expect(await g.invoke('gate:admit', { scanId: scan.scanId, persons: 1 })).toEqual({ status: 'expired' });
    expect(g.kiosk.store.db.prepare('SELECT COUNT(*) AS n FROM admissions').get()).toEqual({ n: 0 });
    await g.kiosk.stop();
  });

  it('logs how a choice ended: timed out (even when a later scan ends it), replaced by another scan, or cancelled', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 2 } } }, { n: 2, attractions: { A: { pax: 2 } } }]);
    const g = await gateKiosk(tempDir(), cloud, { gate: { choiceTimeoutSeconds: 10 } });
    await g.sync();
    const ended = (reference: string) => g.log.lines.filter((l) => l.includes(`scan ${reference} `) && l.includes('not admitted'));
    await g.scan(ref(1));
    g.clock.advance(16_000);
    await g.scan(ref(2)); // long after the first choice timed out
    expect(ended(ref(1))).toEqual([expect.stringContaining('not admitted (the choice timed out)')]);
    await g.scan(ref(1)); // while the second choice still waits
    expect(ended(ref(2))).toEqual([expect.stringContaining('not admitted (another scan came)')]);
    const third = await g.scan(ref(2));
    await g.invoke('gate:cancel', { scanId: third.scanId, reason: 'timeout' }); // the screen's timer
    expect(ended(ref(1)).at(-1)).toContain('not admitted (another scan came)');
    expect(ended(ref(2)).at(-1)).toContain('not admitted (the choice timed out)');
    const fourth = await g.scan(ref(1));
    await g.invoke('gate:cancel', { scanId: fourth.scanId });
    expect(ended(ref(1)).at(-1)).toContain('not admitted (cancelled)');
    await g.kiosk.stop();
  });

  it('ALREADY USED names this gate only for what it admitted: persons counted elsewhere are said to be elsewhere', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 3 } } }, { n: 2, attractions: { A: { pax: 2 } } }, { n: 3, attractions: { A: { pax: 3, used: 1 } } }]);
    const here = await gateKiosk(tempDir(), cloud, { kioskName: 'Gate A1' });
    const there = await gateKiosk(tempDir(), cloud, { kioskName: 'Gate A2' });
    await here.sync();
    await there.sync();
    await here.admit(ref(1), 1);
    await there.admit(ref(1), 2);
    await here.admit(ref(2), 2);
    await there.sync();
    here.clock.advance(1_000);
    await here.sync();
    there.clock.advance(1_000);
    await there.sync();
    expect(await here.scan(ref(1))).toMatchObject({ kind: 'already-used', lastUsedGate: 'Gate A1', lastUsedAt: expect.any(String), usedElsewhere: true });
    expect(await here.scan(ref(2))).toMatchObject({ kind: 'already-used', lastUsedGate: 'Gate A1', usedElsewhere: false });
    expect(await there.scan(ref(2))).toMatchObject({ kind: 'already-used', lastUsedAt: null, usedElsewhere: true });
    // Offline after the download: the server's 1 cannot include the 2 admitted here since.
    cloud.set({ down: true });
    await here.admit(ref(3), 2);
    expect(await here.scan(ref(3))).toMatchObject({ kind: 'already-used', lastUsedGate: 'Gate A1', usedElsewhere: true });
    await here.kiosk.stop();
    await there.kiosk.stop();
  });

  it('ignores an identical scan within 2 s', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 2 } } }]);
    const g = await gateKiosk(tempDir(), cloud, { gate: { duplicateScanSeconds: 2 } });
    await g.sync();
    const first = await g.scan(ref(1));
    g.clock.advance(1_500);
    expect((await g.scan(ref(1))).scanId).toBe(first.scanId);
    g.clock.advance(1_000);
    expect((await g.scan(ref(1))).scanId).not.toBe(first.scanId);
    await g.kiosk.stop();
  });

  it('refuses a test ticket outside test mode, accepts it in test mode, and never uploads it', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 2 } } }]);
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    const code = `${ref(7)}-dummy`;
    expect(await g.scan(code)).toMatchObject({ kind: 'test-ticket' });
    expect((await g.kiosk.handlers.invoke('gate:set-test-mode', { on: true })).ok).toBe(false); // admin only
    await g.unlock();
    await g.invoke('gate:set-test-mode', { on: true });
    expect(await g.admit(code, 1)).toMatchObject({ status: 'admitted', test: true });
    await g.sync();
    expect(cloud.received.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(g.kiosk.store.db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    await g.kiosk.stop();
  });

  it('says WITHDRAWN for a ticket missing from the latest complete download', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 2 } } }, { n: 2, attractions: { A: { pax: 2 } } }]);
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    cloud.tickets.clear();
    cloud.tickets.seed([{ bookingDate: TODAY, referenceNo: ref(1), attractions: { A: { pax: 2, used: 0 } } }]);
    await g.sync();
    expect(await g.scan(ref(2))).toMatchObject({ kind: 'withdrawn' });
    expect(await g.scan(ref(1))).toMatchObject({ kind: 'valid' });
    await g.kiosk.stop();
  });

  it('says CANNOT RECORD, never "proceed", when the disk is full, and records nothing half', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 2 } } }]);
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    const db = g.kiosk.store.db;
    db.pragma('wal_checkpoint(TRUNCATE)');
    // The database may not grow any more: the next page it needs is refused (SQLITE_FULL).
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const results: string[] = [];
    for (let i = 0; i < 40 && !results.includes('cannot-record'); i++) {
      const scan = await g.scan(ref(1));
      if (scan.kind !== 'valid') break;
      const outcome = await g.invoke<{ status: string }>('gate:admit', { scanId: scan.scanId, persons: 1 });
      results.push(outcome.status);
      if (outcome.status === 'admitted') db.prepare('DELETE FROM admissions').run(); // keep a person left
    }
    expect(results).toContain('cannot-record');
    const admitted = db.prepare('SELECT COUNT(*) AS n FROM admissions').get() as { n: number };
    const queued = db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number };
    expect(admitted.n).toBe(0);
    expect(queued.n).toBeLessThanOrEqual(results.filter((r) => r === 'admitted').length);
    await g.kiosk.stop();
  });
});

describe('gate: sync', () => {
  it('keeps admitting offline and delivers every admission exactly once, in order per ticket, when the network returns', async () => {
    const cloud = await sim(Array.from({ length: 5 }, (_, i) => ({ n: i + 1, attractions: { A: { pax: 4 } } })));
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    cloud.set({ down: true });
    for (let round = 0; round < 2; round++) for (let n = 1; n <= 5; n++) await g.admit(ref(n), 1);
    await g.sync();
    expect((await g.invoke<{ pending: number }>('sync:status')).pending).toBeGreaterThan(0);
    cloud.set({ down: false });
    for (let i = 0; i < 20 && (await g.invoke<{ pending: number }>('sync:status')).pending > 0; i++) {
      g.clock.advance(1_000);
      await g.sync();
    }
    expect(cloud.stats().admissions).toMatchObject({ distinct: 10, applied: 10 });
    for (let n = 1; n <= 5; n++) expect(cloud.tickets.get(ref(n))?.attractions.A?.used).toBe(2);
    // In order per ticket: the absolute counts a server sees for a ticket only grow, the last one is 2.
    const posts = cloud.received.filter((r) => r.method === 'POST' && r.outcome === 'applied');
    for (let n = 1; n <= 5; n++) {
      const counts = posts.filter((p) => (p.body as { referenceNo: string }).referenceNo === ref(n)).map((p) => (p.body as { attractions: { A: { used: number } } }).attractions.A.used);
      expect(counts.at(-1)).toBe(2);
      expect([...counts].sort()).toEqual(counts);
    }
    await g.kiosk.stop();
  });

  it('coalesces admissions waiting behind an unsent upload into one POST with the latest absolute count', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 9 } } }]);
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    cloud.set({ down: true });
    for (let i = 0; i < 4; i++) await g.admit(ref(1), 1);
    cloud.set({ down: false });
    for (let i = 0; i < 10 && (await g.invoke<{ pending: number }>('sync:status')).pending > 0; i++) {
      g.clock.advance(1_000);
      await g.sync();
    }
    const posts = cloud.received.filter((r) => r.method === 'POST' && r.outcome === 'applied').map((r) => r.body as { attractions: { A: { used: number } }; admissions: unknown[] });
    // The first upload was tried while offline (its payload is fixed under its key); the other three waited and merged.
    expect(posts.map((p) => [p.attractions.A.used, p.admissions.length])).toEqual([[1, 1], [4, 3]]);
    expect(cloud.tickets.get(ref(1))?.attractions.A?.used).toBe(4);
    await g.kiosk.stop();
  });

  it('never lets the number left bounce up between an acknowledgement and the next download', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 5 } } }]);
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    await g.admit(ref(1), 2);
    const left = async () => ((await g.scan(ref(1))) as ScanResult & { left: number }).left;
    expect(await left()).toBe(3);
    await g.kiosk.runJob('gate.sync'); // uploads (ack) and downloads
    expect(cloud.tickets.get(ref(1))?.attractions.A?.used).toBe(2);
    expect(await left()).toBe(3);
    await g.sync();
    expect(await left()).toBe(3);
    await g.kiosk.stop();
  });

  it('merges two gates admitting offline on one ticket exactly, and flags the over-admission on both', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 3 } } }]);
    const one = await gateKiosk(tempDir(), cloud, { kioskName: 'Gate A1' });
    const two = await gateKiosk(tempDir(), cloud, { kioskName: 'Gate A2' });
    await one.sync();
    await two.sync();
    cloud.set({ down: true });
    await one.admit(ref(1), 2);
    await two.admit(ref(1), 2);
    cloud.set({ down: false });
    for (const g of [one, two, one, two]) {
      g.clock.advance(1_000);
      await g.sync();
    }
    expect(cloud.tickets.get(ref(1))?.attractions.A?.used).toBe(4);
    for (const g of [one, two]) {
      await g.unlock();
      const summary = await g.invoke<GateAdminSummary>('gate:admin-summary');
      expect(summary.flags.flags).toEqual([expect.objectContaining({ reference: ref(1), kind: 'over-admission' })]);
      await g.kiosk.stop();
    }
  });

  it('detects a count the server lost (absolute counts only) and shows a count conflict', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 6 } } }]);
    cloud.set({ usageMode: 'absolute' });
    const one = await gateKiosk(tempDir(), cloud);
    const two = await gateKiosk(tempDir(), cloud);
    await one.sync();
    await two.sync();
    await one.admit(ref(1), 2);
    await two.admit(ref(1), 1);
    await one.kiosk.runJob('gate.sync');
    await two.kiosk.runJob('gate.sync');
    // The server kept only the last absolute count (1); gate one knows it had 2 acknowledged,
    // says so, and sends its count again (the server cannot learn gate two's person from it).
    one.clock.advance(1000);
    await one.sync();
    await one.sync();
    const counts = cloud.received.filter((r) => r.method === 'POST').map((r) => (r.body as { attractions: { A: { used: number } } }).attractions.A.used);
    expect(counts).toEqual([2, 1, 2]);
    expect(cloud.tickets.get(ref(1))?.attractions.A?.used).toBe(2);
    await one.unlock();
    const summary = await one.invoke<GateAdminSummary>('gate:admin-summary');
    expect(summary.flags.flags).toEqual([
      expect.objectContaining({ kind: 'count-conflict', reference: ref(1), facts: expect.objectContaining({ serverUsed: 1, acknowledged: 2, resent: 2 }) }),
    ]);
    await one.kiosk.stop();
    await two.kiosk.stop();
  });

  it('keeps the good records of a malformed download and logs the bad ones', async () => {
    const cloud = await sim(Array.from({ length: 20 }, (_, i) => ({ n: i + 1, attractions: { A: { pax: 2 } } })));
    cloud.set({ malformedDownload: 'one-bad-record' });
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    await g.unlock();
    const summary = await g.invoke<GateAdminSummary>('gate:admin-summary');
    expect(summary.ticketsStored).toBe(19);
    expect(summary.lastDownload).toMatchObject({ state: 'done', stored: 19, skipped: 1, error: expect.stringMatching(/1 malformed/), errorCoded: { code: 'download-skipped', params: { count: 1 } } });
    expect(g.log.lines.some((l) => /ticket record skipped/.test(l))).toBe(true);
    cloud.set({ malformedDownload: 'bad-json' });
    await g.sync();
    const after = await g.invoke<GateAdminSummary>('gate:admin-summary');
    expect(after.ticketsStored).toBe(19);
    expect(after.lastDownload).toMatchObject({ state: 'failed', error: expect.stringMatching(/not valid JSON/), errorCoded: { code: 'download-failed', params: { detail: expect.stringMatching(/not valid JSON/) } } });
    expect(g.kiosk.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    await g.kiosk.stop();
  });

  it('says why a download failed as a code with values, kept across a restart; an older row keeps its English alone', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 2 } } }]);
    const dir = tempDir();
    const g = await gateKiosk(dir, cloud);
    await g.unlock();
    const lastDownload = async () => {
      await g.sync().catch(() => undefined);
      return (await g.invoke<GateAdminSummary>('gate:admin-summary')).lastDownload;
    };
    cloud.set({ down: true });
    expect(await lastDownload()).toMatchObject({
      state: 'failed',
      errorCoded: { code: 'net-unreachable', params: { endpoint: 'bookings/summary', detail: expect.any(String) } },
    });
    cloud.set({ down: false, errorRate: 1 });
    expect(await lastDownload()).toMatchObject({ state: 'failed', error: expect.stringMatching(/^HTTP 500/), errorCoded: { code: 'download-http', params: { status: 500, endpoint: 'bookings/summary' } } });
    await g.kiosk.stop();
    const again = await gateKiosk(dir, cloud, { services: { fetchEnabled: false } });
    await again.unlock();
    expect((await again.invoke<GateAdminSummary>('gate:admin-summary')).lastDownload).toMatchObject({ errorCoded: { code: 'download-http', params: { status: 500 } } });
    await again.kiosk.stop();
    // A row written before the coded column (or with a code from a newer kiosk) shows its English alone.
    const db = new Database(path.join(dir, 'booth.db'));
    db.prepare("UPDATE downloads SET error_coded = '{\"code\":\"from-a-newer-kiosk\"}' WHERE id = (SELECT MAX(id) FROM downloads)").run();
    db.close();
    const old = await gateKiosk(dir, cloud, { services: { fetchEnabled: false } });
    await old.unlock();
    expect((await old.invoke<GateAdminSummary>('gate:admin-summary')).lastDownload).toMatchObject({ error: expect.stringMatching(/^HTTP 500/), errorCoded: null });
    await old.kiosk.stop();
  });

  it('logs a download that fails the same way on every sync once, and again when its reason changes or after it worked', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 2 } } }]);
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    const failures = () => g.log.lines.filter((l) => l.includes('ticket download failed') && !l.includes('works again')).length;
    cloud.set({ errorRate: 1 });
    for (let i = 0; i < 4; i++) await g.sync().catch(() => undefined);
    // The download's own line and the scheduler's, for the first failure only.
    expect(failures()).toBe(2);
    cloud.set({ errorRate: 0, down: true });
    await g.sync().catch(() => undefined);
    await g.sync().catch(() => undefined);
    expect(failures()).toBe(4);
    cloud.set({ down: false });
    await g.sync();
    expect(g.log.lines.filter((l) => l.includes('job gate.sync works again'))).toHaveLength(1);
    cloud.set({ down: true });
    await g.sync().catch(() => undefined);
    expect(failures()).toBe(6);
  });

  it('uses the ETag: an unchanged list is not downloaded again', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 2 } } }]);
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    await g.sync();
    const downloads = cloud.received.filter((r) => r.method === 'GET' && r.url.includes('bookings/summary'));
    expect(downloads.map((r) => r.status)).toEqual([200, 304]);
    expect(downloads[1]?.headers['if-none-match']).toBeTruthy();
    await g.kiosk.stop();
  });

  it('deletes tickets past retention with their acknowledged admissions, never unacknowledged ones', async () => {
    const cloud = await sim([
      { n: 1, date: '2025-09-01', attractions: { A: { pax: 2 } } },
      { n: 2, date: '2025-09-01', attractions: { A: { pax: 2 } } },
      { n: 3, attractions: { A: { pax: 2 } } },
    ]);
    const g = await gateKiosk(tempDir(), cloud, { gate: { validDaysAfter: 365 } });
    await g.sync();
    await g.admit(ref(1, '2025-09-01'), 1);
    await g.sync(); // acknowledged
    cloud.set({ down: true });
    await g.admit(ref(2, '2025-09-01'), 1); // not acknowledged
    await g.kiosk.runJob('gate.retention');
    const refs = (g.kiosk.store.db.prepare('SELECT reference FROM tickets ORDER BY reference').all() as { reference: string }[]).map((r) => r.reference);
    expect(refs).toEqual([ref(2, '2025-09-01'), ref(3)]);
    expect(g.kiosk.store.db.prepare('SELECT reference FROM admissions').all()).toEqual([{ reference: ref(2, '2025-09-01') }]);
    await g.kiosk.stop();
  });
});

describe('gate: a server that loses its counts', () => {
  type UsageBody = { referenceNo: string; attractions: Record<string, { pax: number; used: number }>; admissions: { id: string }[] };
  const postsFor = (cloud: CloudSim, reference: string) =>
    cloud.received.filter((r) => r.method === 'POST' && (r.body as UsageBody).referenceNo === reference);

  for (const usageMode of ['admissions', 'absolute'] as const) {
    it(`never admits past its own acknowledged admissions, and re-sends its count to restore the server (${usageMode})`, async () => {
      const cloud = await sim([{ n: 1, attractions: { A: { pax: 1 } } }]);
      cloud.set({ usageMode });
      const g = await gateKiosk(tempDir(), cloud);
      await g.sync();
      expect(await g.admit(ref(1), 1)).toMatchObject({ status: 'admitted', left: 0 });
      await g.sync(); // acknowledged, then a download that includes it
      expect(cloud.tickets.get(ref(1))?.attractions.A?.used).toBe(1);
      const admissionId = g.kiosk.store.db.prepare('SELECT id FROM admissions').pluck().get() as string;

      // The server is restarted from an old state: it reports the ticket unused.
      cloud.tickets.seed([{ bookingDate: TODAY, referenceNo: ref(1), attractions: { A: { pax: 1, used: 0 } } }]);
      g.clock.advance(1_000);
      await g.sync();
      expect(await g.scan(ref(1))).toMatchObject({ kind: 'already-used', pax: 1 });

      // The restoring upload: the kiosk's known total, with the original admission event.
      await g.sync();
      const restore = postsFor(cloud, ref(1)).at(-1)!;
      expect(restore.status).toBe(200);
      expect(restore.body).toMatchObject({ attractions: { A: { pax: 1, used: 1 } }, admissions: [{ id: admissionId }] });
      expect(restore.body).not.toHaveProperty('restore');
      expect(cloud.tickets.get(ref(1))?.attractions.A?.used).toBe(1);

      // The attendant is told, and the next downloads send nothing more.
      await g.unlock();
      const summary = await g.invoke<GateAdminSummary>('gate:admin-summary');
      expect(summary.flags.flags).toEqual([
        expect.objectContaining({ kind: 'count-conflict', reference: ref(1), facts: expect.objectContaining({ serverUsed: 0, acknowledged: 1, resent: 1 }) }),
      ]);
      g.clock.advance(1_000);
      await g.sync();
      await g.sync();
      expect(postsFor(cloud, ref(1))).toHaveLength(2);
      expect(await g.scan(ref(1))).toMatchObject({ kind: 'already-used' });
      await g.kiosk.stop();
    });
  }

  it('queues one restore per ticket while it waits to be sent, merging later admissions into it', async () => {
    const cloud = await sim([{ n: 1, attractions: { A: { pax: 3 } } }]);
    let uploadsBlocked = false;
    const g = await gateKiosk(tempDir(), cloud, {}, {
      fetch: (input, init) =>
        uploadsBlocked && init?.method === 'POST' ? Promise.reject(new TypeError('fetch failed (uploads blocked by the test)')) : fetch(input, init),
    });
    await g.sync();
    await g.admit(ref(1), 2);
    await g.sync();
    cloud.tickets.seed([{ bookingDate: TODAY, referenceNo: ref(1), attractions: { A: { pax: 3, used: 0 } } }]);
    uploadsBlocked = true;
    for (let i = 0; i < 3; i++) {
      g.clock.advance(1_000);
      await g.sync();
    }
    const queued = () =>
      g.kiosk.store.db.prepare("SELECT payload FROM outbox WHERE state = 'pending'").pluck().all().map((p) => JSON.parse(p as string) as UsageBody);
    expect(queued()).toHaveLength(1);
    expect(queued()[0]).toMatchObject({ attractions: { A: { pax: 3, used: 2 } } });
    expect(await g.scan(ref(1))).toMatchObject({ kind: 'valid', left: 1 });
    await g.admit(ref(1), 1);
    uploadsBlocked = false;
    for (let i = 0; i < 10 && (await g.invoke<{ pending: number }>('sync:status')).pending > 0; i++) {
      g.clock.advance(1_000);
      await g.sync();
    }
    expect(cloud.tickets.get(ref(1))?.attractions.A?.used).toBe(3);
    expect(cloud.stats().admissions).toMatchObject({ repeats: 0 });
    await g.kiosk.stop();
  });
});

describe('gate: flags for the attendant', () => {
  it('pages the open flags, keeps their counts current, and lets the attendant resolve one (audited, with a note)', async () => {
    const cloud = await sim(Array.from({ length: 60 }, (_, i) => ({ n: i + 1, attractions: { A: { pax: 1, used: 2 } } })));
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    await g.unlock();

    // 60 over-admissions: a first page of 50 with the total, and the rest on the next page.
    const first = (await g.invoke<GateAdminSummary>('gate:admin-summary')).flags;
    expect(first.total).toBe(60);
    expect(first.flags).toHaveLength(50);
    expect(first.nextBefore).not.toBeNull();
    const second = await g.invoke<GateFlagPage>('gate:flags', { before: first.nextBefore });
    expect(second).toMatchObject({ total: 60, nextBefore: null });
    expect(new Set([...first.flags, ...second.flags].map((f) => f.reference)).size).toBe(60);

    // A later download with another count brings the open flag up to date.
    const flagOf = (page: GateFlagPage, n: number) => page.flags.find((f) => f.reference === ref(n));
    const before = flagOf(second, 1)!;
    expect(before).toMatchObject({ kind: 'over-admission', detail: '2 persons admitted on 1 allowed', facts: { pax: 1, serverUsed: 2 }, updatedAt: null });
    cloud.tickets.seed([{ bookingDate: TODAY, referenceNo: ref(1), attractions: { A: { pax: 1, used: 3 } } }]);
    g.clock.advance(1_000);
    await g.sync();
    const current = flagOf(await g.invoke<GateFlagPage>('gate:flags', { before: first.nextBefore }), 1)!;
    expect(current).toMatchObject({ id: before.id, detail: '3 persons admitted on 1 allowed', facts: { serverUsed: 3 }, updatedAt: expect.any(String) });

    // Resolving needs an admin session, is audited with the note, and takes the flag off the list.
    await g.invoke('admin:exit', { reason: 'user' });
    expect(await g.kiosk.handlers.invoke('gate:resolve-flag', { id: before.id })).toMatchObject({ ok: false, error: { code: 'admin_required' } });
    await g.unlock();
    const resolved = await g.invoke<GateFlag>('gate:resolve-flag', { id: before.id, note: 'counted 3 at the gate; office told' });
    expect(resolved).toMatchObject({ id: before.id, reference: ref(1) });
    // Resolved already: refused, with a code the screen says in its language.
    expect(await g.kiosk.handlers.invoke('gate:resolve-flag', { id: before.id })).toMatchObject({
      ok: false,
      error: { code: 'failed', reason: { code: 'gate-flag-not-open', params: { id: before.id } } },
    });
    const audit = await g.invoke<AuditEntry[]>('admin:audit', { limit: 5 });
    // (Reading the audit is audited itself: look for the resolution among the newest rows.)
    expect(audit.filter((a) => a.action === 'gate.resolve-flag')).toHaveLength(1);
    expect(audit.find((a) => a.action === 'gate.resolve-flag')).toMatchObject({
      action: 'gate.resolve-flag',
      detail: expect.stringMatching(new RegExp(`over-admission ${ref(1)}.*counted 3 at the gate; office told`)),
      // The same as a code for the screen's language; the note as typed, beneath.
      detailCoded: { code: 'audit-resolve-flag', params: { flagKind: 'over-admission', reference: ref(1), attraction: 'A', detail: 'counted 3 at the gate; office told' } },
    });
    expect((await g.invoke<GateFlagPage>('gate:flags', {})).total).toBe(59);

    // The same counts again do not bring it back; new counts do.
    g.clock.advance(1_000);
    cloud.tickets.seed([{ bookingDate: TODAY, referenceNo: ref(2), attractions: { A: { pax: 1, used: 2 } } }]); // a change, so the list is downloaded again
    await g.sync();
    expect((await g.invoke<GateFlagPage>('gate:flags', {})).total).toBe(59);
    cloud.tickets.seed([{ bookingDate: TODAY, referenceNo: ref(1), attractions: { A: { pax: 1, used: 4 } } }]);
    g.clock.advance(1_000);
    await g.sync();
    const page = await g.invoke<GateFlagPage>('gate:flags', {});
    expect(page.total).toBe(60);
    expect(flagOf(page, 1)).toMatchObject({ detail: '4 persons admitted on 1 allowed' });
    expect(flagOf(page, 1)!.id).not.toBe(before.id);
    await g.kiosk.stop();
  });
});
