/**
 * A REYAX-style LoRa receiver (RYLR896/RYLR998), simulated on the far end of a
 * pty pair: each packet it "hears" becomes `+RCV=<addr>,<len>,<data>,<rssi>,<snr>`
 * and CR LF, as the module writes it on its UART. With noise: the module's own
 * replies (+OK, +READY, +ERR=…), lines garbled on the air (a flipped byte, so
 * the length no longer fits), half lines, and binary junk.
 *
 * Library: `openLoraSimulator(simPath)` for tests and the bench.
 * CLI (demo, manual testing):
 *   node --import tsx test/sim/lora-sim.ts --dir DIR [--every-ms 4000] [--noise 0.2] [--baud 115200]
 * creates the pty pair in DIR, prints `lora-sim: <devicePath>` when ready, then
 * sends a made-up animal every --every-ms (0: none) and each line typed on stdin
 * as a payload. Ends on stdin EOF, SIGINT or SIGTERM.
 */
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { SerialPort } from 'serialport';
import { createPtyPair } from './pty';

export interface LoraPacketOptions {
  address?: number;
  rssi?: number;
  snr?: number;
  /** The length the module announces; default the data's byte length. */
  announcedLength?: number;
}

/** The line a REYAX module writes for a received packet (without CR LF). */
export function reyaxLine(data: string, options: LoraPacketOptions = {}): string {
  const length = options.announcedLength ?? Buffer.byteLength(data, 'utf8');
  return `+RCV=${options.address ?? 0},${length},${data},${options.rssi ?? -60},${options.snr ?? 9.5}`;
}

export interface LoraSimulator {
  /** One packet heard: its +RCV line and CR LF. */
  send(data: string, options?: LoraPacketOptions): Promise<void>;
  /** A line as it is (a module reply, noise), then CR LF. */
  sendLine(line: string): Promise<void>;
  /** Bytes as they are: half lines, junk. */
  writeRaw(bytes: Uint8Array | string): Promise<void>;
  close(): Promise<void>;
}

export async function openLoraSimulator(simPath: string, options: { baudRate?: number } = {}): Promise<LoraSimulator> {
  const port = new SerialPort({ path: simPath, baudRate: options.baudRate ?? 115_200, autoOpen: false });
  port.on('error', () => undefined); // the pair may be closed under it (an unplug test)
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const writeRaw = (bytes: Uint8Array | string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      port.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes), (error) => {
        if (error) return reject(error);
        port.drain((drainError) => (drainError ? reject(drainError) : resolve()));
      });
    });
  let closing: Promise<void> | null = null;
  return {
    send: (data, packet) => writeRaw(`${reyaxLine(data, packet)}\r\n`),
    sendLine: (line) => writeRaw(`${line}\r\n`),
    writeRaw,
    close() {
      closing ??= new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
      return closing;
    },
  };
}

/** A small deterministic generator (mulberry32), so a failing noisy run can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODULE_REPLIES = ['+OK', '+READY', '+ERR=2', '+ERR=4', '+VER=RYLR998_REYAX_V1.2.0', '+ADDRESS=0'];

/**
 * A noise line: a module reply, a valid packet garbled on the air (one byte
 * flipped), a line cut short, a packet with a wrong payload, or junk bytes.
 * Never a valid packet with a valid payload.
 */
export function noiseLine(random: () => number): string | Buffer {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const n = () => Math.floor(random() * 100_000);
  switch (Math.floor(random() * 7)) {
    case 0:
      return pick(MODULE_REPLIES);
    case 1: {
      const data = `hxb:NOISE${n()}:LF${n()}:UHF${n()}`;
      const line = reyaxLine(data);
      const start = line.indexOf(data);
      const i = start + Math.floor(random() * data.length);
      // An extra byte in the data: the announced length no longer fits.
      return line.slice(0, i) + String.fromCharCode(33 + Math.floor(random() * 90)) + line.slice(i);
    }
    case 2:
      return reyaxLine(`hxb:NOISE${n()}:LF${n()}:UHF${n()}`).slice(0, Math.floor(random() * 30));
    case 3:
      return reyaxLine(pick(['hxb:ONLY:THREE', 'hxb::LF1:UHF1', `hxb:B:LF${n()}:UHF${n()}:extra`, 'x'.repeat(300), 'hxb:B\u0001:LF:UHF']));
    case 4: {
      const bytes = Buffer.alloc(1 + Math.floor(random() * 200));
      for (let i = 0; i < bytes.length; i++) {
        const b = Math.floor(random() * 256);
        bytes[i] = b === 0x0d || b === 0x0a ? 0x20 : b;
      }
      return bytes;
    }
    case 5:
      return `+RCV=${n()},${n()},${'A'.repeat(Math.floor(random() * 600))}`;
    default:
      return reyaxLine(`unknown:BATCH${n()}:LF${n()}:UHF${n()}`).replace('+RCV', pick(['+RCV', '+RVC', 'RCV', '+rcv']));
  }
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const dir = argument('--dir');
  const everyMs = Number(argument('--every-ms') ?? 4000);
  const noise = Number(argument('--noise') ?? 0.2);
  const baudRate = Number(argument('--baud') ?? 115_200);
  if (!dir || !Number.isFinite(everyMs) || !(noise >= 0 && noise <= 1) || !Number.isInteger(baudRate)) {
    process.stderr.write('usage: lora-sim --dir DIR [--every-ms 4000] [--noise 0.2] [--baud 115200]\n');
    process.exit(2);
  }
  const pair = await createPtyPair(path.resolve(dir));
  const sim = await openLoraSimulator(pair.simPath, { baudRate });
  process.stdout.write(`lora-sim: ${pair.devicePath}\n`);
  const random = seededRandom(Date.now());
  // Tags of this run only, so a demo restarted later does not send an earlier run's tags in a new batch.
  let animal = Math.floor(Date.now() / 1000) % 1_000_000;
  const first = animal;
  const batch = `DEMO${new Date().toISOString().slice(5, 10).replace('-', '')}`;
  const timer =
    everyMs > 0
      ? setInterval(() => {
          if (random() < noise) void sim.writeRaw(Buffer.concat([Buffer.from(noiseLine(random)), Buffer.from('\r\n')])).catch(() => undefined);
          animal++;
          const rssi = -40 - Math.floor(random() * 70);
          void sim.send(`hxb:${batch}-${Math.floor((animal - first - 1) / 12) + 1}:LF${animal}:UHF${9_000_000 + animal}`, { rssi, snr: Math.round((random() * 20 - 8) * 10) / 10 }).catch(() => undefined);
        }, everyMs)
      : null;

  let ending = false;
  const end = async (code: number) => {
    if (ending) return;
    ending = true;
    if (timer) clearInterval(timer);
    await sim.close();
    await pair.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void end(0));
  process.on('SIGTERM', () => void end(0));
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of input) {
    const data = line.trim();
    if (data) await sim.send(data);
  }
  // stdin closed (the demo's pipe): keep sending on the timer until told to stop.
  if (!timer) await end(0);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    process.stderr.write(`lora-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
