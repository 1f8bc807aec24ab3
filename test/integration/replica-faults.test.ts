/**
 * The office replica against a kiosk that misbehaves or cannot be reached:
 * the wrong key or certificate (refused, nothing replicated), a schema the
 * office does not accept (that kiosk's sync stops with the reason, its rows
 * still served), the network cut during the live stream (caught up when it
 * is back), the kiosk gone in the middle of its full export (nothing half
 * applied; the next export completes).
 */
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { certificateFiles } from '../../main/api';
import { cuttableLink, expectSameRows, kioskSource, sqliteStore, stoppedAfterEachTest, until } from '../support/replica';
import fs from 'node:fs';

const { running, kiosk, replicaOf } = stoppedAfterEachTest();

describe('office replica: refusals and faults', () => {
  it('is refused with a wrong API key: nothing replicated, the reason in the status', async () => {
    const k = await kiosk();
    k.admit('x1');
    const r = await replicaOf({ kiosks: [kioskSource(k, 'gate-a', { apiKey: 'not-the-key-0123456789' })], store: sqliteStore() });
    await until('a failed sync', () => r.status('gate-a').failed_syncs >= 1);
    expect(r.status('gate-a')).toMatchObject({ state: 'retrying', seq: null, live: false, successful_syncs: 0 });
    expect(r.status('gate-a').error).toMatch(/401/);
    expect(await r.rowsOf('gate-a')).toEqual({});
  });

  it('never sends its key to a server whose certificate is not the pinned one', async () => {
    const k = await kiosk();
    // An impostor at another address with a certificate of its own (the kiosk's files stand in for any other pair).
    const files = certificateFiles(k.dir);
    let requests = 0;
    const impostor = https.createServer({ key: fs.readFileSync(files.privateKey), cert: fs.readFileSync(files.certificate) }, (_req, res) => {
      requests++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    running.push({ stop: () => new Promise<void>((resolve) => impostor.close(() => resolve())) });
    const port = (impostor.address() as import('node:net').AddressInfo).port;
    const wrongPin = 'AB:'.repeat(31) + 'AB';
    const r = await replicaOf({ kiosks: [kioskSource(k, 'gate-a', { url: `https://127.0.0.1:${port}`, fingerprint: wrongPin })], store: sqliteStore() });
    await until('a failed sync', () => r.status('gate-a').failed_syncs >= 2);
    expect(r.status('gate-a').error).toMatch(/fingerprint .* not the pinned AB:AB/);
    expect(requests).toBe(0);
    expect(await r.rowsOf('gate-a')).toEqual({});
  });

  it('stops that kiosk\'s sync with the reason on a schema mismatch, and keeps serving what it had', async () => {
    const k = await kiosk();
    k.admit('s1');
    const store = sqliteStore();
    const first = await replicaOf({ kiosks: [kioskSource(k)], store });
    await expectSameRows(k, () => first.rowsOf('gate-a'));
    await first.replica.stop();
    running.pop();
    k.admit('s2');
    const version = String(k.kiosk.store.schemaVersion());
    const r = await replicaOf({ kiosks: [kioskSource(k, 'gate-a', { schemaVersion: '999' })], store });
    await until('the sync to stop', () => !r.status('gate-a').running);
    expect(r.status('gate-a')).toMatchObject({ running: false, state: 'stopped', live: false });
    expect(r.status('gate-a').error).toBe(
      `the kiosk's schema is ${version}, this office expects 999: update both to the same schema (or change kiosks[].schemaVersion), then restart booth replica`,
    );
    const served = (await (await fetch(`${r.base}/office/api/kiosks/gate-a/tables/admissions/rows`)).json()) as { data: { id: string }[] };
    expect(served.data.map((row) => row.id)).toEqual(['s1']);
    const status = (await (await fetch(`${r.base}/office/api/sync-status`)).json()) as { data: { running: boolean } };
    expect(status.data.running).toBe(false);
  });

  it('catches up after the network is cut during the live stream', async () => {
    const k = await kiosk();
    const link = await cuttableLink(k.port);
    running.push({ stop: () => link.close() });
    k.admit('n1');
    const r = await replicaOf({ kiosks: [kioskSource(k, 'gate-a', { url: `https://127.0.0.1:${link.port}` })], store: sqliteStore() });
    await until('the live stream', () => r.status('gate-a').live);
    k.admit('n2');
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    link.cut();
    for (let i = 3; i <= 30; i++) k.admit(`n${i}`);
    k.db.prepare("DELETE FROM admissions WHERE id = 'n1'").run();
    await until('the replica to notice', () => !r.status('gate-a').live);
    expect((await r.rowsOf('gate-a')).admissions).toHaveLength(2); // served as it was
    link.restore();
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    await until('live again', () => r.status('gate-a').live);
    expect(r.status('gate-a').seq).toBe(k.feed.seq());
  });

  it('keeps what it had when the kiosk goes away in the middle of its full export, and completes it later', async () => {
    const k = await kiosk();
    const insert = k.db.transaction(() => {
      for (let i = 0; i < 3000; i++) k.admit(`e${String(i).padStart(5, '0')}`, '2026-01-15T03:00:00.000Z', 1, `REF-${'x'.repeat(50)}-${i}`);
    });
    insert();
    const link = await cuttableLink(k.port);
    running.push({ stop: () => link.close() });
    // The schema answer is small; the export's answer is cut after 100 KB, mid-row.
    link.cutNextAfter(100_000);
    const r = await replicaOf({ kiosks: [kioskSource(k, 'gate-a', { url: `https://127.0.0.1:${link.port}` })], store: sqliteStore() });
    await until('a failed export', () => r.status('gate-a').failed_syncs >= 1);
    expect(await r.rowsOf('gate-a')).toEqual({});
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    expect(r.log.lines.filter((l) => l.includes('Full sync completed'))).toEqual(['[info] (sync) Full sync completed: 3000 records']);
  });
});
