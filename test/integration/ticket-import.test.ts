import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importTickets } from '../../main/gate/import';
import { runImportInWorker } from '../../main/gate/import-runner';
import { memoryLogger } from '../../main/log';
import { openStore } from '../../main/store';
import { tempDir } from '../support/temp';

const ticket = (n: number, extra: Record<string, unknown> = {}) => ({
  bookingDate: '2026-01-15',
  referenceNo: `20260115-${String(n).padStart(6, '0')}`,
  attractions: { A: { pax: 2, used: 0 }, B: { pax: 1, used: 0 } },
  ...extra,
});

async function freshStore() {
  const dir = tempDir();
  const store = await openStore({ file: path.join(dir, 'booth.db'), log: memoryLogger() });
  let downloadId = 0;
  const options = () => ({ downloadId: ++downloadId, startedSeq: 1, attraction: 'A', now: `2026-01-15T0${downloadId}:00:00.000Z` });
  return { store, options };
}

const count = (store: Awaited<ReturnType<typeof freshStore>>['store'], where = '1') =>
  (store.db.prepare(`SELECT COUNT(*) AS n FROM tickets WHERE ${where}`).get() as { n: number }).n;

describe('ticket import', () => {
  it('stores good records with their raw JSON, skipping and naming the malformed ones', async () => {
    const { store, options } = await freshStore();
    const records = [
      ticket(1, { extraField: 'kept' }),
      { ...ticket(2), attractions: { A: { pax: '2', used: 0 } } },
      { bookingDate: '2026-01-15', attractions: {} },
      { ...ticket(4), attractions: { A: { pax: -1, used: 0 } } },
      null,
      'text',
      ticket(7),
    ];
    const summary = importTickets(store.db, records, options());
    expect(summary).toMatchObject({ processed: 7, stored: 2, skipped: 5 });
    expect(summary.skippedRecords.map((s) => s.key)).toEqual(['20260115-000002', null, '20260115-000004', null, null]);
    expect(summary.skippedRecords[0]?.reason).toMatch(/attractions\.A\.pax/);
    const raw = store.db.prepare('SELECT raw_json FROM tickets WHERE reference = ?').get('20260115-000001') as { raw_json: string };
    expect(JSON.parse(raw.raw_json)).toMatchObject({ extraField: 'kept' });
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    store.close();
  });

  it('marks tickets missing from a later complete download as withdrawn, and restores them if they return', async () => {
    const { store, options } = await freshStore();
    importTickets(store.db, [ticket(1), ticket(2), ticket(3)], options());
    const second = importTickets(store.db, [ticket(1), { ...ticket(3), attractions: 'broken' }], options());
    expect(second.withdrawn).toBe(1);
    expect(count(store, 'withdrawn_at IS NOT NULL')).toBe(1);
    // Ticket 3 was malformed, not missing: it is not withdrawn.
    expect(store.db.prepare("SELECT withdrawn_at FROM tickets WHERE reference = '20260115-000003'").get()).toEqual({ withdrawn_at: null });
    importTickets(store.db, [ticket(1), ticket(2), ticket(3)], options());
    expect(count(store, 'withdrawn_at IS NOT NULL')).toBe(0);
    store.close();
  });

  it('withdraws nothing on an empty or wholly malformed list', async () => {
    const { store, options } = await freshStore();
    importTickets(store.db, [ticket(1), ticket(2)], options());
    expect(importTickets(store.db, [], options()).withdrawn).toBe(0);
    expect(importTickets(store.db, [{ nope: 1 }], options()).withdrawn).toBe(0);
    expect(count(store, 'withdrawn_at IS NULL')).toBe(2);
    store.close();
  });

  it('flags a ticket the server counts over its pax', async () => {
    const { store, options } = await freshStore();
    const summary = importTickets(store.db, [{ ...ticket(1), attractions: { A: { pax: 2, used: 3 } } }], options());
    expect(summary.flagsRaised).toBe(1);
    expect(store.db.prepare('SELECT kind, reference FROM gate_flags').all()).toEqual([{ kind: 'over-admission', reference: '20260115-000001' }]);
    store.close();
  });

  it('runs in a worker thread, reporting progress, and refuses a body that is not JSON without touching the store', async () => {
    const { store, options } = await freshStore();
    const records = Array.from({ length: 5000 }, (_, i) => ticket(i + 1));
    const body = new TextEncoder().encode(JSON.stringify(records)).buffer as ArrayBuffer;
    const progress: number[] = [];
    const summary = await runImportInWorker(store.file, body, { ...options(), chunkSize: 1000 }, (p) => progress.push(p.processed));
    expect(summary).toMatchObject({ stored: 5000, skipped: 0 });
    expect(progress).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(count(store)).toBe(5000);

    const truncated = new TextEncoder().encode(JSON.stringify(records).slice(0, 4000)).buffer as ArrayBuffer;
    await expect(runImportInWorker(store.file, truncated, options(), () => undefined)).rejects.toThrow(/not valid JSON/);
    const notArray = new TextEncoder().encode('{"tickets": []}').buffer as ArrayBuffer;
    await expect(runImportInWorker(store.file, notArray, options(), () => undefined)).rejects.toThrow(/not a JSON array/);
    expect(count(store)).toBe(5000);
    expect(count(store, 'withdrawn_at IS NOT NULL')).toBe(0);
    store.close();
  });
});
