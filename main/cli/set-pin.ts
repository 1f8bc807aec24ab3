/**
 * `booth set-pin --config FILE`: asks for the admin PIN twice on a terminal
 * (without echoing it) or reads one line from standard input when it is not a
 * terminal, and writes only its scrypt hash into the config, keeping
 * everything else in the file as it was: its text (layout, key order), mode,
 * owner and group. On an installed kiosk the app itself runs this
 * (`/opt/Booth/booth set-pin ...`, see main/electron/main.ts); in a source
 * checkout `./booth set-pin` runs this file with tsx.
 */
import readline from 'node:readline';
import { hashPin, pinRule, PIN_RULE_TEXT } from '../config';
import { configArgument, writeConfigValue } from './config-file';

/**
 * Writes the hash of `pin` into `configFile` and says what else it had to
 * change: nothing, or the access of others (a PIN hash is never left readable
 * by every user of the machine).
 */
export async function writePinHash(configFile: string, pin: string): Promise<{ note: string | null }> {
  if (!pinRule.test(pin)) throw new Error(`The PIN must be ${PIN_RULE_TEXT}.`);
  // Only the hash's value changes: the installer's layout, key order, mode and owner stay.
  return writeConfigValue(configFile, ['admin', 'pinHash'], () => hashPin(pin));
}

export interface SetPinIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };
  /** Prompts and messages (standard error, so standard output stays clean). */
  output: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

class Cancelled extends Error {}

/**
 * Lines typed on a terminal in raw mode, so the terminal shows nothing of
 * them: Enter ends a line, Backspace deletes, Ctrl+C or Ctrl+D cancels.
 */
function hiddenLines(input: SetPinIo['input']) {
  const lines: string[] = [];
  const waiting: { resolve(line: string): void; reject(error: Error): void }[] = [];
  let current = '';
  let cancelled = false;
  const deliver = () => {
    while (waiting.length && (lines.length || cancelled)) {
      const next = waiting.shift()!;
      if (lines.length) next.resolve(lines.shift()!);
      else next.reject(new Cancelled('cancelled; nothing was written.'));
    }
  };
  const onData = (chunk: Buffer | string) => {
    for (const ch of chunk.toString()) {
      if (ch === '\r' || ch === '\n') {
        lines.push(current);
        current = '';
      } else if (ch === '\u0003' || ch === '\u0004') {
        cancelled = true;
      } else if (ch === '\u007f' || ch === '\b') {
        current = current.slice(0, -1);
      } else if (ch >= ' ') {
        current += ch;
      }
    }
    deliver();
  };
  input.setRawMode?.(true);
  input.on('data', onData);
  input.resume();
  return {
    next: () => new Promise<string>((resolve, reject) => {
      waiting.push({ resolve, reject });
      deliver();
    }),
    close() {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
    },
  };
}

async function readPin(io: SetPinIo): Promise<string> {
  if (!io.input.isTTY) {
    const rl = readline.createInterface({ input: io.input, terminal: false });
    try {
      const line = await new Promise<string>((resolve) => {
        rl.once('line', resolve);
        rl.once('close', () => resolve(''));
      });
      return line.trim();
    } finally {
      rl.close();
    }
  }
  const typed = hiddenLines(io.input);
  try {
    io.output.write(`New admin PIN (${PIN_RULE_TEXT}, not shown): `);
    const first = (await typed.next()).trim();
    io.output.write('\nRepeat the PIN: ');
    const second = (await typed.next()).trim();
    io.output.write('\n');
    if (first !== second) throw new Error('The two PINs differ; nothing was written.');
    return first;
  } catch (error) {
    if (error instanceof Cancelled) io.output.write('\n');
    throw error;
  } finally {
    typed.close();
  }
}

/** `set-pin [--config FILE]`, the config defaulting to BOOTH_CONFIG. Returns the exit code. */
export async function runSetPin(args: readonly string[], io: SetPinIo): Promise<number> {
  // ./booth runs this from the checkout; a relative path starts where ./booth was run.
  const configPath = configArgument(args, io.env);
  if (!configPath) {
    io.output.write('usage: booth set-pin --config FILE   (the PIN is read from the terminal, not shown, or one line from standard input)\n');
    return 2;
  }
  let note: string | null;
  try {
    const pin = await readPin(io);
    note = (await writePinHash(configPath, pin)).note;
  } catch (error) {
    io.output.write(`set-pin: ${(error as Error).message}\n`);
    return 1;
  }
  io.output.write(`Admin PIN set: its hash is in ${configPath}${note ? ` (${note})` : ''}. Restart the kiosk to use it.\n`);
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && /set-pin\.(c?js|ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  void runSetPin(process.argv.slice(2), { input: process.stdin, output: process.stderr, env: process.env }).then((code) =>
    process.exit(code),
  );
}
