/**
 * intake.payload.p99: ms from a REYAX line written on the receiver's pty to
 * its batch and animal committed (the worker's `payload:updated` event, sent
 * after the commit), against the serial transfer of the same line to a plain
 * reader on another pty pair (BENCHMARKS.md: ≤ 50 ms).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { systemClock } from '../../main/clock';
import { configSchema } from '../../main/config';
import { createKiosk } from '../../main/kiosk';
import { createLogger } from '../../main/log';
import type { IntakeBoard } from '../../preload/contract';
import { openLoraSimulator } from '../sim/lora-sim';
import { createPtyPair } from '../sim/pty';
import { withTeardown } from '../support/process-group';
import { benchLine, percentile, progress, quick, sleep, waitFor, withRef } from './format';

const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), 'booth-bench-intake-'));

/** p99 of the plain transfer: a line written on one end of a pty pair until a serialport reader has it whole. */
async function serialTransferP99(dir: string, runs: number, teardown: { add(what: string, fn: () => unknown): void }): Promise<number> {
  fs.mkdirSync(path.join(dir, 'ref'));
  const pty = await createPtyPair(path.join(dir, 'ref'));
  teardown.add('reference pty', () => pty.close());
  const reader = new SerialPort({ path: pty.devicePath, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => reader.open((e) => (e ? reject(e) : resolve())));
  teardown.add('reference reader', () => new Promise<void>((r) => reader.close(() => r())));
  const sim = await openLoraSimulator(pty.simPath);
  teardown.add('reference writer', () => sim.close());
  let pending = '';
  let arrived: (() => void) | null = null;
  reader.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    if (pending.includes('\r\n')) {
      pending = '';
      arrived?.();
    }
  });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const got = new Promise<void>((r) => (arrived = r));
    const start = performance.now();
    await sim.send(`hxb:REF:LF-R${i}:UHF-R${i}`);
    await got;
    times.push(performance.now() - start);
    await sleep(2);
  }
  return percentile(times.sort((a, b) => a - b), 99);
}

async function benchPayload() {
  await withTeardown(async (teardown) => {
    const runs = quick ? 20 : 500;
    const dir = scratch();
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, 'pty'));
    const pty = await createPtyPair(path.join(dir, 'pty'));
    teardown.add('pty pair', () => pty.close());
    const config = configSchema.parse({
      modules: ['intake'],
      services: { probeIntervalSeconds: 3600 },
      intake: { receiver: { path: pty.devicePath } },
    });
    const kiosk = await createKiosk(
      config,
      {
        version: 'bench',
        isPackaged: false,
        dataDir: dir,
        clock: systemClock,
        fetch: () => Promise.reject(new Error('offline (bench)')),
        log: createLogger({ file: path.join(dir, 'booth.log'), level: 'warn', maxSizeBytes: 10_000_000, backupCount: 1 }),
      },
      { configPath: null },
    );
    teardown.add('kiosk', () => kiosk.stop());
    kiosk.start();
    await waitFor(async () => {
      const b = await kiosk.handlers.invoke('intake:board', {});
      return b.ok && (b.value as IntakeBoard).receiver.connected;
    });
    const radio = await openLoraSimulator(pty.simPath);
    teardown.add('LoRa simulator', () => radio.close());

    const committed = new Map<string, () => void>();
    kiosk.events.subscribe((name, payload) => {
      if (name !== 'payload:updated') return;
      const row = (payload as { row: { payload: string; status: string } }).row;
      if (row.status === 'processed') committed.get(row.payload)?.();
    });
    progress(`intake.payload: ${runs} packets`);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      // A new batch every 10 animals, as a barn sends them.
      const payload = `hxb:BENCH${Math.floor(i / 10)}:LF-B${i}:UHF-B${i}`;
      const done = new Promise<void>((r) => committed.set(payload, r));
      const start = performance.now();
      await radio.send(payload, { rssi: -70, snr: 8 });
      await done;
      times.push(performance.now() - start);
      committed.delete(payload);
      await sleep(2);
    }
    const p99 = percentile(times.sort((a, b) => a - b), 99);
    const refP99 = await serialTransferP99(dir, runs, teardown);
    benchLine(withRef({ bench: 'intake.payload.p99', value: Math.round(p99 * 100) / 100, unit: 'ms', better: 'lower', ref: 'serial transfer of the line (p99)', refValue: Math.round(refP99 * 100) / 100, n: runs }));
  });
}

export const intakeBenches: Readonly<Record<string, () => Promise<void>>> = {
  'intake.payload': benchPayload,
};
