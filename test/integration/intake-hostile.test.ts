/**
 * Hostile input on the LoRa receiver's line: random bytes, the module's own
 * replies, packets garbled on the air, wrong payloads, overlong lines, with
 * valid packets among them, through the real pty into the real headless host
 * (a child process). The kiosk stays up, its memory stays bounded, the
 * database stays consistent, and every valid packet becomes its animal.
 * `npm test` sends 5,000 lines; `npm run soak -- intake` sends 100,000.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { IntakeBoard } from '../../preload/contract';
import { noiseLine, openLoraSimulator, reyaxLine, seededRandom, type LoraSimulator } from '../sim/lora-sim';
import { createPtyPair, type PtyPair } from '../sim/pty';
import { startHeadless, type HeadlessHost } from '../support/headless';
import { until } from '../support/payout';
import { soakScale } from '../support/soak';
import { tempDir } from '../support/temp';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (opened.length) await opened.pop()!.close();
});

/** Resident memory of a process in MB (Linux /proc). */
function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

describe('hostile receiver input', () => {
  const lines = soakScale(5_000, 100_000);

  it(`keeps the kiosk up, its memory bounded and its database consistent over ${lines} random and near-valid lines, and processes the valid packets among them`, async () => {
    if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/main/headless.cjs'))) throw new Error('run `node scripts/build.mjs` first');
    const dataDir = tempDir();
    fs.mkdirSync(path.join(dataDir, 'pty'));
    const pty: PtyPair = await createPtyPair(path.join(dataDir, 'pty'));
    opened.push(pty);
    const configFile = path.join(dataDir, 'config.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        kioskName: 'Hostile barn',
        modules: ['intake'],
        services: { probeIntervalSeconds: 3600 },
        intake: { receiver: { path: pty.devicePath, reconnectMaxSeconds: 1 } },
        logging: { level: 'error' },
      }),
    );
    const host: HeadlessHost = await startHeadless({ dataDir, config: configFile });
    opened.push({ close: () => host.stop() });
    const board = async () => {
      const r = await host.invoke<IntakeBoard>('intake:board');
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    await until('receiver connected', async () => ((await board()).receiver.connected ? true : null), 15_000);
    const radio: LoraSimulator = await openLoraSimulator(pty.simPath);
    opened.push(radio);

    const random = seededRandom(1313);
    const valid = new Set<string>();
    const rssAtStart = rssMb(host.child.pid!);
    let peakRss = rssAtStart;
    let chunk: Buffer[] = [];
    for (let i = 0; i < lines; i++) {
      if (i % 10 === 0) {
        const payload = `hxb:HOSTILE${Math.floor(i / 1000)}:LF-H${i}:UHF-H${i}`;
        valid.add(payload);
        chunk.push(Buffer.from(`${reyaxLine(payload, { rssi: -50 - (i % 60), snr: 5 })}\r\n`));
      } else {
        chunk.push(Buffer.from(noiseLine(random)), Buffer.from('\r\n'));
      }
      if (chunk.length >= 200) {
        // Written as fast as the pty takes them: the kernel's buffer is the only backpressure, as on a wire.
        await radio.writeRaw(Buffer.concat(chunk));
        chunk = [];
      }
      if (i % 5_000 === 0) peakRss = Math.max(peakRss, rssMb(host.child.pid!));
    }
    if (chunk.length) await radio.writeRaw(Buffer.concat(chunk));
    // The last line: once its animal exists, every line before it was read (lines are read in order).
    valid.add('hxb:HOSTILE-END:LF-HEND:UHF-HEND');
    await radio.send('hxb:HOSTILE-END:LF-HEND:UHF-HEND');

    await until(
      'every valid packet processed',
      async () => {
        peakRss = Math.max(peakRss, rssMb(host.child.pid!));
        const found = await host.invoke<unknown[]>('intake:search', { tag: 'LF-HEND' });
        if (!found.ok || found.value.length === 0) return null;
        return (await board()).waiting === 0 ? true : null;
      },
      soakScale(60_000, 900_000),
    );
    // Still up and answering.
    expect(host.child.exitCode).toBeNull();
    const last = await board();
    expect(last.receiver.connected).toBe(true);
    await host.stop();

    // Memory bounded: the line buffer is capped and the queue is the database, not the heap.
    console.info(`intake hostile: ${lines} lines, RSS ${rssAtStart.toFixed(0)} MB at start, peak ${peakRss.toFixed(0)} MB`);
    expect(peakRss).toBeLessThan(rssAtStart + 150);

    const db = new Database(path.join(dataDir, 'booth.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const byStatus = db.prepare('SELECT status, COUNT(*) AS n FROM lora_payload_buffer GROUP BY status').all() as { status: string; n: number }[];
      expect(byStatus.find((s) => s.status === 'received')).toBeUndefined();
      // Every valid packet is exactly one animal; nothing else became one.
      const animals = db.prepare("SELECT lf_tag FROM cattle WHERE lf_tag LIKE 'LF-H%'").pluck().all() as string[];
      expect(animals.length).toBe(valid.size);
      expect(db.prepare("SELECT COUNT(*) FROM cattle WHERE lf_tag NOT LIKE 'LF-H%'").pluck().get()).toBe(0);
      expect(db.prepare("SELECT COUNT(*) FROM lora_payload_buffer WHERE status = 'failed' AND (error IS NULL OR error_code IS NULL)").pluck().get()).toBe(0);
      // A stored payload is never longer than the buffer keeps.
      expect(db.prepare('SELECT MAX(length(payload)) FROM lora_payload_buffer').pluck().get()).toBeLessThanOrEqual(1024);
    } finally {
      db.close();
    }
  }, 1_000_000);
});
