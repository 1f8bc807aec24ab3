import { SerialPortMock } from 'serialport';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { manualClock } from '../../main/clock';
import { createSerialScanner, type OpenScannerPort, type ScannedLine, type ScannerPort, type ScannerStatus, type SerialScannerOptions } from '../../main/hardware';
import { describeOpenFailure, reconnectDelayMs, serialStreamOpener } from '../../main/hardware/scanner';
import { memoryLogger } from '../../main/log';

/** A port the test drives by hand. */
class FakePort implements ScannerPort {
  data: ((chunk: Buffer) => void) | null = null;
  lost: ((reason: Error | null) => void) | null = null;
  closed = false;
  onData(listener: (chunk: Buffer) => void) {
    this.data = listener;
  }
  onLost(listener: (reason: Error | null) => void) {
    this.lost = listener;
  }
  close() {
    this.closed = true;
    return Promise.resolve();
  }
  send(text: string) {
    this.data?.(Buffer.from(text, 'utf8'));
  }
  unplug() {
    this.lost?.(Object.assign(new Error('bad file descriptor'), { disconnected: true }));
  }
}

const notFound = () => new Error('Error: No such file or directory, cannot open /dev/booth-scanner');

/** A device that can be plugged in and out; openPort succeeds only while it is plugged in. */
function fakeDevice() {
  const device = {
    present: false,
    ports: [] as FakePort[],
    openCalls: [] as number[],
    open: (async () => {
      device.openCalls.push(Date.now());
      if (!device.present) throw notFound();
      const port = new FakePort();
      device.ports.push(port);
      return port;
    }) as OpenScannerPort,
    get last() {
      return device.ports.at(-1)!;
    },
  };
  return device;
}

function scanner(device: ReturnType<typeof fakeDevice>, extra: Partial<SerialScannerOptions> = {}) {
  const log = memoryLogger();
  const clock = manualClock();
  const lines: ScannedLine[] = [];
  const statuses: ScannerStatus[] = [];
  const s = createSerialScanner({
    path: '/dev/booth-scanner',
    baudRate: 9600,
    terminator: 'CR',
    maxLength: 32,
    reconnectMaxSeconds: 4,
    log,
    clock,
    onLine: (line) => lines.push(line),
    onStatus: (status) => statuses.push(status),
    openPort: device.open,
    deviceExists: async () => device.present,
    ...extra,
  });
  return { s, log, clock, lines, statuses };
}

describe('reconnect backoff', () => {
  it('doubles from the first delay and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((n) => reconnectDelayMs(n, 500, 4000))).toEqual([500, 1000, 2000, 4000, 4000, 4000, 4000, 4000]);
    expect(reconnectDelayMs(0, 500, 4000)).toBe(500);
    expect(reconnectDelayMs(1e9, 500, 30_000)).toBe(30_000);
  });
});

describe('open failures in words', () => {
  it.each([
    ['Error: No such file or directory, cannot open /dev/x', 'scanner not found at /dev/x'],
    ['Error: Permission denied, cannot open /dev/x', 'no permission to open the scanner at /dev/x (is the kiosk user in the dialout group?)'],
    ['Error Resource temporarily unavailable Cannot lock port', 'scanner at /dev/x is in use by another program'],
    ['Error: Inappropriate ioctl for device setting custom baud rate of 9600', 'cannot open the scanner at /dev/x: Inappropriate ioctl for device setting custom baud rate of 9600'],
  ])('%s', (message, words) => {
    expect(describeOpenFailure('/dev/x', new Error(message)).message).toBe(words);
  });
});

describe('serial scanner driver (fake port, fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('with no path: not configured, opens nothing', async () => {
    const device = fakeDevice();
    const { s, log } = scanner(device, { path: null });
    s.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.status()).toEqual({ configured: false, connected: false, path: null, lastScanAt: null, error: null, errorCoded: null });
    expect(device.openCalls).toHaveLength(0);
    expect(log.lines.filter((l) => l.includes('keyboard-wedge'))).toHaveLength(1);
    await s.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('missing at start: says where it looked, retries with backoff up to the cap, logs once', async () => {
    const device = fakeDevice();
    const { s, log, statuses } = scanner(device);
    s.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.status()).toEqual({
      configured: true,
      connected: false,
      path: '/dev/booth-scanner',
      lastScanAt: null,
      error: 'scanner not found at /dev/booth-scanner',
      errorCoded: { code: 'device-not-found', params: { device: 'scanner', path: '/dev/booth-scanner' } },
    });
    expect(statuses.at(-1)).toEqual(s.status());

    const start = Date.now();
    await vi.advanceTimersByTimeAsync(60_000);
    const gaps = device.openCalls.map((t, i) => t - (device.openCalls[i - 1] ?? start)).slice(1);
    expect(gaps.slice(0, 6)).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect(device.openCalls.length).toBeGreaterThan(15);
    expect(log.lines.filter((l) => l.includes('not found'))).toHaveLength(1);
    expect(statuses).toHaveLength(1); // nothing changed between retries

    device.present = true;
    await vi.advanceTimersByTimeAsync(4_000);
    expect(s.status()).toMatchObject({ connected: true, error: null });
    expect(log.lines.filter((l) => l.includes('scanner connected'))).toHaveLength(1);
    await s.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('delivers lines with lastScanAt from the injected clock; a throwing or rejecting handler is not fatal', async () => {
    const device = fakeDevice();
    device.present = true;
    let calls = 0;
    const { s, lines, clock, log } = scanner(device, {
      onLine: (line) => {
        lines.push(line);
        calls++;
        if (calls === 1) throw new Error('handler bug');
        if (calls === 2) return Promise.reject(new Error('async handler bug')) as unknown as void;
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(0);
    clock.advance(5_000);
    device.last.send('20260115-0000');
    device.last.send('01\rSECOND\rTHIRD\r');
    await vi.advanceTimersByTimeAsync(0);
    expect(lines.map((l) => l.text)).toEqual(['20260115-000001', 'SECOND', 'THIRD']);
    expect(s.status().lastScanAt).toBe(clock.now().toISOString());
    expect(log.lines.filter((l) => l.includes('handler failed'))).toHaveLength(2);
    expect(s.status().connected).toBe(true);
    await s.stop();
  });

  it('unplug: not connected with an error, one log line, partial scan dropped; replug: connected again', async () => {
    const device = fakeDevice();
    device.present = true;
    const { s, lines, log } = scanner(device);
    s.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = device.last;
    first.send('HALF-OF-A-');
    device.present = false;
    first.unplug();
    expect(s.status()).toMatchObject({ connected: false, error: 'scanner unplugged from /dev/booth-scanner' });
    expect(first.closed).toBe(true); // releases the lock so the replugged device can be opened

    await vi.advanceTimersByTimeAsync(30_000); // many failed retries
    expect(device.openCalls.length).toBeGreaterThan(5);
    expect(s.status().error).toBe('scanner unplugged from /dev/booth-scanner');
    expect(log.lines.filter((l) => l.includes('[warn]'))).toHaveLength(1);

    device.present = true;
    await vi.advanceTimersByTimeAsync(4_000);
    expect(s.status()).toMatchObject({ connected: true, error: null });
    device.last.send('CODE\r');
    first.send('LATE\r'); // the old port is dead to the driver
    expect(lines.map((l) => l.text)).toEqual(['CODE']);
    expect(log.lines.filter((l) => l.includes('scanner connected'))).toHaveLength(2);
    await s.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('notices an unplug the port does not report, by the device node vanishing', async () => {
    const device = fakeDevice();
    device.present = true;
    const { s } = scanner(device, { presenceCheckSeconds: 1 });
    s.start();
    await vi.advanceTimersByTimeAsync(0);
    device.present = false; // the port stays silent, as a hung-up USB tty does
    await vi.advanceTimersByTimeAsync(1_000);
    expect(s.status()).toMatchObject({ connected: false, error: 'scanner unplugged from /dev/booth-scanner' });
    expect(device.ports[0]!.closed).toBe(true);
    await s.stop();
  });

  it('stop() during an open closes the port that arrives late and leaves no timers', async () => {
    let release: (port: ScannerPort) => void = () => undefined;
    const late = new FakePort();
    const { s } = scanner(fakeDevice(), { openPort: () => new Promise((resolve) => (release = resolve)) });
    s.start();
    const stopped = s.stop();
    release(late);
    await stopped;
    expect(late.closed).toBe(true);
    expect(s.status()).toMatchObject({ connected: false, error: null });
    expect(vi.getTimerCount()).toBe(0);
    await s.stop(); // twice is fine
  });

  it('an openPort that throws synchronously is an open failure, not a crash', async () => {
    const { s } = scanner(fakeDevice(), {
      openPort: () => {
        throw new Error('boom');
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.status()).toMatchObject({ connected: false, error: 'cannot open the scanner at /dev/booth-scanner: boom' });
    await s.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('serialport adapter (SerialPortMock)', () => {
  const path = '/dev/mock-scanner';
  beforeEach(() => SerialPortMock.binding.createPort(path, { readyData: Buffer.alloc(0) }));
  afterEach(() => SerialPortMock.binding.reset());
  const open = serialStreamOpener((o) => new SerialPortMock({ ...o, autoOpen: false }));
  const mockOf = (o: { path: string; baudRate: number }, made: SerialPortMock[]) => {
    const port = new SerialPortMock({ ...o, autoOpen: false });
    made.push(port);
    return port;
  };

  it('passes data through and reports a disconnect once', async () => {
    const made: SerialPortMock[] = [];
    const port = await serialStreamOpener((o) => mockOf(o, made))({ path, baudRate: 9600 });
    const chunks: string[] = [];
    const losses: (Error | null)[] = [];
    port.onData((c) => chunks.push(c.toString()));
    port.onLost((r) => losses.push(r));
    made[0]!.port!.emitData(Buffer.from('ABC\r'));
    await vi.waitFor(() => expect(chunks.join('')).toBe('ABC\r'));
    made[0]!._disconnected(new Error('unplugged'));
    await vi.waitFor(() => expect(losses).toHaveLength(1));
    expect((losses[0] as { disconnected?: boolean }).disconnected).toBe(true);
    made[0]!.emit('error', new Error('late error')); // must not crash nor report again
    expect(losses).toHaveLength(1);
  });

  it('does not report its own close as a loss', async () => {
    const port = await open({ path, baudRate: 9600 });
    const losses: (Error | null)[] = [];
    port.onLost((r) => losses.push(r));
    await port.close();
    await port.close();
    expect(losses).toEqual([]);
  });

  it('rejects when the device does not exist', async () => {
    await expect(open({ path: '/dev/nothing-here', baudRate: 9600 })).rejects.toThrow(/does not exist/);
  });
});
