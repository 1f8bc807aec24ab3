/**
 * A line-based serial scanner, simulated on the far end of a pty pair: it
 * sends the same bytes a real scanner sends (the code, then CR, LF or CRLF).
 *
 * Library: `openScannerSimulator(simPath)` for tests.
 * CLI (demo, manual testing):
 *   node --import tsx test/sim/scanner-sim.ts --dir DIR [--terminator CR|LF|CRLF] [--baud 9600]
 * creates the pty pair in DIR, prints `scanner-sim: <devicePath>` when ready,
 * then sends each line typed on stdin as one scan. Ends on stdin EOF, SIGINT or SIGTERM.
 */
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { SerialPort } from 'serialport';
import type { LineTerminator } from '../../main/hardware';
import { createPtyPair } from './pty';

export interface ScannerSimulator {
  /** Sends one scan: the code as UTF-8, then the terminator (default CR, as most scanners). */
  write(code: string, terminator?: LineTerminator): Promise<void>;
  /** Sends bytes as they are: split codes, garbage, missing terminators. */
  writeRaw(bytes: Uint8Array | string): Promise<void>;
  /** Closes the simulator's end. Safe to call more than once. */
  close(): Promise<void>;
}

export const terminatorBytes: Record<LineTerminator, string> = { CR: '\r', LF: '\n', CRLF: '\r\n' };

export async function openScannerSimulator(simPath: string, options: { baudRate?: number } = {}): Promise<ScannerSimulator> {
  const port = new SerialPort({ path: simPath, baudRate: options.baudRate ?? 9600, autoOpen: false });
  // The pair may be closed under the simulator (an unplug test): that is not a crash.
  port.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));

  const writeRaw = (bytes: Uint8Array | string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      port.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes), (error) => {
        if (error) {
          reject(error);
          return;
        }
        // Resolve once the bytes left for the other end, so a test's next step sees them sent.
        port.drain((drainError) => (drainError ? reject(drainError) : resolve()));
      });
    });

  let closing: Promise<void> | null = null;
  return {
    write: (code, terminator = 'CR') => writeRaw(Buffer.from(code + terminatorBytes[terminator], 'utf8')),
    writeRaw,
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (!port.isOpen) {
          resolve();
          return;
        }
        port.close(() => resolve());
      });
      return closing;
    },
  };
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const dir = argument('--dir');
  const terminator = (argument('--terminator') ?? 'CR') as LineTerminator;
  const baudRate = Number(argument('--baud') ?? 9600);
  if (!dir || !(terminator in terminatorBytes) || !Number.isInteger(baudRate)) {
    process.stderr.write('usage: scanner-sim --dir DIR [--terminator CR|LF|CRLF] [--baud 9600]\n');
    process.exit(2);
  }
  const pair = await createPtyPair(path.resolve(dir));
  const sim = await openScannerSimulator(pair.simPath, { baudRate });
  process.stdout.write(`scanner-sim: ${pair.devicePath}\n`);

  let ending = false;
  const end = async (code: number) => {
    if (ending) return;
    ending = true;
    await sim.close();
    await pair.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void end(0));
  process.on('SIGTERM', () => void end(0));

  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  // One scan at a time, in order: readline's async iterator waits for each write.
  for await (const line of input) {
    const code = line.trim();
    if (code) await sim.write(code, terminator);
  }
  await end(0);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    process.stderr.write(`scanner-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
