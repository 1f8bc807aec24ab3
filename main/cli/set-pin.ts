/**
 * `booth set-pin --config FILE`: asks for the admin PIN twice (or reads one
 * line from standard input when it is not a terminal) and writes only its
 * scrypt hash into the config, keeping everything else in the file as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { hashPin, issueLine, parseConfigText, pinRule, PIN_RULE_TEXT } from '../config';

export async function writePinHash(configFile: string, pin: string): Promise<void> {
  if (!pinRule.test(pin)) throw new Error(`The PIN must be ${PIN_RULE_TEXT}.`);
  let raw: Record<string, unknown> = {};
  if (fs.existsSync(configFile)) {
    const text = fs.readFileSync(configFile, 'utf8');
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // The parser's own message quotes the text around the error: say where it is instead.
      const where = parseConfigText(text);
      const expected = where.ok ? 'valid JSON' : (where.issues[0]?.expected ?? 'valid JSON');
      throw new Error(`${configFile} is not ${expected}; fix it first, nothing was written.`);
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${configFile} must hold a JSON object.`);
  }
  const admin = (raw.admin && typeof raw.admin === 'object' ? raw.admin : {}) as Record<string, unknown>;
  const next = { ...raw, admin: { ...admin, pinHash: await hashPin(pin) } };
  const text = `${JSON.stringify(next, null, 2)}\n`;
  const checked = parseConfigText(text);
  if (!checked.ok) {
    const list = checked.issues.map((i) => `  ${issueLine(i)}`).join('\n');
    throw new Error(`${configFile} has other errors; fix them first, nothing was written:\n${list}`);
  }
  fs.mkdirSync(path.dirname(configFile), { recursive: true });
  const tmp = `${configFile}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, configFile);
}

async function readPin(): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  const ask = (q: string) => new Promise<string>((resolve) => rl.question(q, resolve));
  try {
    if (!process.stdin.isTTY) {
      const line = await new Promise<string>((resolve) => {
        rl.once('line', resolve);
        rl.once('close', () => resolve(''));
      });
      return line.trim();
    }
    const first = (await ask(`New admin PIN (${PIN_RULE_TEXT}): `)).trim();
    const second = (await ask('Repeat the PIN: ')).trim();
    if (first !== second) throw new Error('The two PINs differ; nothing was written.');
    return first;
  } finally {
    rl.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--config');
  const file = i >= 0 ? argv[i + 1] : process.env.BOOTH_CONFIG;
  if (!file) {
    process.stderr.write('usage: booth set-pin --config FILE   (the PIN is read from the terminal or standard input)\n');
    process.exit(2);
  }
  const pin = await readPin();
  await writePinHash(path.resolve(file), pin);
  process.stderr.write(`Admin PIN set: its hash is in ${path.resolve(file)}. Restart the kiosk to use it.\n`);
}

const invokedDirectly = process.argv[1] !== undefined && /set-pin\.(c?js|ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`set-pin: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
