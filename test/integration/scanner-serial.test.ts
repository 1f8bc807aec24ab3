/**
 * The scanner driver with the REAL serialport binding on a socat pty pair:
 * the bytes go through the kernel's tty layer as on a Pi with a USB scanner.
 * Backoff is shortened so unplug/replug takes tens of milliseconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../main/clock';
import { createSerialScanner, type LineTerminator, type ScannedLine, type SerialScanner, type ScannerStatus } from '../../main/hardware';
import { memoryLogger } from '../../main/log';
import { createPtyPair, type PtyPair } from '../sim/pty';
import { openScannerSimulator, type ScannerSimulator } from '../sim/scanner-sim';
import { killGroup, spawnInGroup } from '../support/process-group';
import { tempDir } from '../support/temp';

const root = path.resolve(import.meta.dirname, '../..');

/** Everything a test opened, closed afterwards even when it fails. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function pair(dir: string): Promise<PtyPair> {
  const p = await createPtyPair(dir);
  cleanups.push(p.close);
  return p;
}

async function simulator(p: PtyPair): Promise<ScannerSimulator> {
  const sim = await openScannerSimulator(p.simPath);
  cleanups.push(sim.close);
  return sim;
}

function start(devicePath: string, terminator: LineTerminator = 'CR') {
  const log = memoryLogger();
  const lines: ScannedLine[] = [];
  const statuses: ScannerStatus[] = [];
  const scanner: SerialScanner = createSerialScanner({
    path: devicePath,
    baudRate: 9600,
    terminator,
    maxLength: 64,
    reconnectMaxSeconds: 0.2,
    reconnectInitialSeconds: 0.05,
    presenceCheckSeconds: 0.1,
    log,
    clock: systemClock,
    onLine: (line) => lines.push(line),
    onStatus: (status) => statuses.push(status),
  });
  scanner.start();
  cleanups.push(() => scanner.stop());
  return { scanner, log, lines, statuses };
}

const until = (check: () => void, timeout = 5_000) => vi.waitFor(check, { timeout, interval: 10 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('serial scanner on a pty (real serialport)', () => {
  it.each(['CR', 'LF', 'CRLF'] as const)('terminator %s: codes written by the simulator arrive as lines', async (terminator) => {
    const p = await pair(tempDir());
    const { scanner, lines } = start(p.devicePath, terminator);
    await until(() => expect(scanner.status().connected).toBe(true));
    const sim = await simulator(p);
    const end = { CR: '\r', LF: '\n', CRLF: '\r\n' }[terminator];

    await sim.write('20260115-000001', terminator);
    await sim.write('https://tickets.example/t/20260115-000002', terminator);
    // One code dribbling in byte by byte, as a slow scanner sends it.
    for (const byte of Buffer.from('20260115-000003')) {
      await sim.writeRaw(Buffer.from([byte]));
      await sleep(1);
    }
    await sim.writeRaw(end);
    await until(() => expect(lines).toHaveLength(3));
    expect(lines.map((l) => l.text)).toEqual(['20260115-000001', 'https://tickets.example/t/20260115-000002', '20260115-000003']);
    expect(lines.every((l) => !l.tooLong && !l.controlBytes)).toBe(true);
    expect(Date.parse(scanner.status().lastScanAt ?? '')).toBeGreaterThan(Date.now() - 10_000);

    // Hostile input goes through the tty unchanged and arrives flagged, the next code still arrives.
    await sim.writeRaw(Buffer.concat([Buffer.alloc(200, 0x41), Buffer.from(end)]));
    await sim.writeRaw(Buffer.concat([Buffer.from([0x41, 0x00, 0x1b, 0xff]), Buffer.from(end)]));
    await sim.write('NEXT', terminator);
    await until(() => expect(lines.map((l) => l.text).at(-1)).toBe('NEXT'));
    expect(lines.slice(3).map(({ tooLong, controlBytes, validUtf8 }) => ({ tooLong, controlBytes, validUtf8 }))).toEqual([
      { tooLong: true, controlBytes: false, validUtf8: true },
      { tooLong: false, controlBytes: true, validUtf8: false },
      { tooLong: false, controlBytes: false, validUtf8: true },
    ]);
  });

  it('started before the device exists: not connected with the path, then connects when it appears', async () => {
    const dir = tempDir();
    const devicePath = path.join(dir, 'device');
    const { scanner, lines, log } = start(devicePath);
    await until(() => expect(scanner.status().error).toBe(`scanner not found at ${devicePath}`));
    expect(scanner.status().errorCoded).toEqual({ code: 'device-not-found', params: { device: 'scanner', path: devicePath } });
    expect(scanner.status()).toMatchObject({ configured: true, connected: false, path: devicePath });
    await sleep(400); // several retries
    expect(log.lines.filter((l) => l.includes('not found'))).toHaveLength(1);

    const p = await pair(dir);
    await until(() => expect(scanner.status()).toMatchObject({ connected: true, error: null, errorCoded: null }));
    const sim = await simulator(p);
    await sim.write('20260115-000001');
    await until(() => expect(lines.map((l) => l.text)).toEqual(['20260115-000001']));
  });

  it('unplug: not connected with an error and no crash; replug: connected again and lines arrive again', async () => {
    const dir = tempDir();
    let p = await pair(dir);
    const { scanner, lines, log, statuses } = start(p.devicePath);
    await until(() => expect(scanner.status().connected).toBe(true));
    let sim = await simulator(p);
    await sim.write('BEFORE');
    await until(() => expect(lines.map((l) => l.text)).toEqual(['BEFORE']));

    await sim.writeRaw('HALF-A-CO'); // a scan cut by the unplug must not join the next one
    await sleep(50);
    await sim.close();
    await p.close(); // unplug: socat goes, the device link vanishes
    expect(fs.existsSync(p.devicePath)).toBe(false);
    await until(() => expect(scanner.status()).toMatchObject({ connected: false, error: `scanner unplugged from ${p.devicePath}` }));
    await sleep(500); // retries against a missing device
    expect(scanner.status().error).toBe(`scanner unplugged from ${p.devicePath}`);
    expect(scanner.status().errorCoded).toEqual({ code: 'device-unplugged', params: { device: 'scanner', path: p.devicePath } });
    expect(log.lines.filter((l) => l.includes('[warn]'))).toHaveLength(1);
    expect(log.lines.filter((l) => l.includes('[error]'))).toEqual([]);

    p = await pair(dir); // replug: same link path, new pts
    await until(() => expect(scanner.status()).toMatchObject({ connected: true, error: null }));
    sim = await simulator(p);
    await sim.write('AFTER');
    await until(() => expect(lines.map((l) => l.text)).toEqual(['BEFORE', 'AFTER']));
    expect(statuses.map((s) => s.connected).filter((c, i, all) => c !== all[i - 1])).toEqual([true, false, true]);
    expect(log.lines.filter((l) => l.includes('scanner connected'))).toHaveLength(2);
  });

  it('stop() resolves and leaves nothing that keeps the process alive', async () => {
    const dir = tempDir();
    const p = await pair(dir);
    const sim = await simulator(p);
    // A separate Node process: it connects, receives a scan, stops, and must then exit by itself.
    const script = path.join(dir, 'child.mts');
    fs.writeFileSync(
      script,
      `
      import { createSerialScanner } from ${JSON.stringify(path.join(root, 'main/hardware/index.ts'))};
      import { systemClock } from ${JSON.stringify(path.join(root, 'main/clock/index.ts'))};
      let wasConnected = false;
      const quiet = { error() {}, warn() {}, info() {}, debug() {} };
      const common = { baudRate: 9600, terminator: 'CR', maxLength: 64, reconnectMaxSeconds: 0.2, reconnectInitialSeconds: 0.05, presenceCheckSeconds: 0.1, log: quiet, clock: systemClock, onStatus() {} };
      // One scanner connected, one retrying a missing device: both have timers and handles to release.
      const connected = createSerialScanner({ ...common, path: ${JSON.stringify(p.devicePath)}, onLine: async (line) => {
        console.log('line ' + line.text);
        await Promise.all([connected.stop(), missing.stop()]);
        console.log('stopped');
      }, onStatus: (s) => { if (s.connected && !wasConnected) console.log('connected'); wasConnected = s.connected; } });
      const missing = createSerialScanner({ ...common, path: ${JSON.stringify(path.join(dir, 'missing'))}, onLine() {} });
      connected.start();
      missing.start();
      `,
    );
    const child = spawnInGroup(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      killGroup(child);
    });

    await until(() => expect(out).toContain('connected'), 10_000);
    await sim.write('20260115-000001');
    await until(() => expect(out).toContain('stopped'));
    const code = await Promise.race([exited, sleep(3_000).then(() => 'still running')]);
    expect({ code, out, err }).toMatchObject({ code: 0, out: 'connected\nline 20260115-000001\nstopped\n' });
  });
});
