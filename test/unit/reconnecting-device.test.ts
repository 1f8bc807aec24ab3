/**
 * The device lifecycle the scanner and the hopper share, driven the way its
 * third user will: a line-based receiver (the LoRa intake) that writes its
 * setup line on each open and reads lines, built from the helper and the
 * line splitter alone.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { manualClock } from '../../main/clock';
import { createLineSplitter, createReconnectingDevice, type DeviceConnection, type SerialLink } from '../../main/hardware';
import { memoryLogger } from '../../main/log';

class FakeLink implements SerialLink {
  data: ((chunk: Buffer) => void) | null = null;
  lost: ((reason: Error | null) => void) | null = null;
  written: string[] = [];
  closed = false;
  onData(listener: (chunk: Buffer) => void) {
    this.data = listener;
  }
  onLost(listener: (reason: Error | null) => void) {
    this.lost = listener;
  }
  write(bytes: Buffer) {
    this.written.push(bytes.toString());
    return Promise.resolve();
  }
  close() {
    this.closed = true;
    return Promise.resolve();
  }
  send(text: string) {
    this.data?.(Buffer.from(text));
  }
}

function lineReceiver() {
  const device = { present: true, links: [] as FakeLink[] };
  const log = memoryLogger();
  const lines: string[] = [];
  const connections: DeviceConnection[] = [];
  const splitter = createLineSplitter({ terminator: 'LF', maxLength: 64 });
  const receiver = createReconnectingDevice<FakeLink>({
    noun: 'receiver',
    path: '/dev/booth-lora',
    baudRate: 115200,
    reconnectMaxSeconds: 4,
    presenceCheckSeconds: 0,
    log,
    clock: manualClock(),
    openPort: async () => {
      if (!device.present) throw new Error('Error: No such file or directory, cannot open /dev/booth-lora');
      const link = new FakeLink();
      device.links.push(link);
      return link;
    },
    notConfiguredMessage: 'no receiver configured',
    openedMessage: (path) => `receiver listening at ${path}`,
    onOpen: (link) => {
      splitter.reset();
      void link.write(Buffer.from('AT+MODE=RX\n'));
    },
    onData: (chunk) => lines.push(...splitter.push(chunk).map((l) => l.text)),
    onClose: () => splitter.reset(),
    onChange: (c) => connections.push(c),
  });
  return { device, receiver, log, lines, connections };
}

describe('reconnecting device (a line receiver on it)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sets the device up on each open, reads lines of the current port only, and retries after a loss', async () => {
    const { device, receiver, log, lines } = lineReceiver();
    receiver.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = device.links[0]!;
    expect(first.written).toEqual(['AT+MODE=RX\n']);
    expect(receiver.connection()).toEqual({ connected: true, problem: null });

    first.send('+RCV=1,HELLO\n+RCV=1,HAL');
    device.present = false;
    first.lost?.(new Error('Error: Input/output error'));
    expect(receiver.connection()).toEqual({
      connected: false,
      problem: {
        kind: 'lost',
        message: 'receiver connection lost at /dev/booth-lora: Input/output error',
        // The same for the screen's language: the device, its path, the OS's words beneath.
        reason: { code: 'device-lost', params: { device: 'receiver', path: '/dev/booth-lora', detail: 'Input/output error' } },
      },
    });
    expect(first.closed).toBe(true);

    await vi.advanceTimersByTimeAsync(10_000); // retries find no device: the loss stays the reason, logged once
    expect(receiver.connection().problem?.kind).toBe('lost');
    expect(log.lines.filter((l) => l.includes('[warn]'))).toHaveLength(1);

    device.present = true;
    await vi.advanceTimersByTimeAsync(4_000);
    const second = device.links.at(-1)!;
    expect(second.written).toEqual(['AT+MODE=RX\n']);
    first.send('F\n+RCV=1,LATE\n'); // the old port is dead to the driver
    second.send('+RCV=2,AGAIN\n');
    expect(lines).toEqual(['+RCV=1,HELLO', '+RCV=2,AGAIN']);
    expect(log.lines.filter((l) => l.includes('receiver listening at /dev/booth-lora'))).toHaveLength(2);
    expect(log.lines.at(-1)).toMatch(/\(\d+\.\d s after: receiver connection lost at/);

    await receiver.stop();
    expect(second.closed).toBe(true);
    expect(receiver.connection()).toEqual({ connected: false, problem: null });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('not configured: says so once and opens nothing', async () => {
    const log = memoryLogger();
    const opened: string[] = [];
    const receiver = createReconnectingDevice<FakeLink>({
      noun: 'receiver',
      path: null,
      baudRate: 115200,
      reconnectMaxSeconds: 4,
      log,
      clock: manualClock(),
      openPort: async ({ path }) => {
        opened.push(path);
        return new FakeLink();
      },
      notConfiguredMessage: 'no receiver configured',
      openedMessage: (path) => `receiver listening at ${path}`,
      onData: () => undefined,
      onChange: () => undefined,
    });
    receiver.start();
    receiver.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(opened).toEqual([]);
    expect(log.lines.filter((l) => l.includes('no receiver configured'))).toHaveLength(1);
    await receiver.stop();
  });
});
