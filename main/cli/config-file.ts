/**
 * How a command (`set-pin`, `api-key`) changes one value of the kiosk's
 * config: only if the file is a valid config afterwards (a file with other
 * errors is left alone, so the command never hides them), with the rest of its
 * text kept byte for byte, and its mode, owner and group kept (others lose
 * access: the value is a secret or guards one). A missing config is created,
 * readable by its owner only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { issueLine, parseConfigText, rewriteFileKeepingAccess, setJsonValue, writeFileAtomically, type JsonValue } from '../config';

/**
 * Sets `keyPath` in `configFile` to what `valueFor` makes of the file's data
 * (null when there is no file yet), and says what else it had to change:
 * nothing, or the access of others.
 */
export async function writeConfigValue(
  configFile: string,
  keyPath: readonly string[],
  valueFor: (data: Record<string, unknown> | null) => JsonValue | Promise<JsonValue>,
): Promise<{ note: string | null }> {
  const existing = fs.existsSync(configFile) ? fs.readFileSync(configFile, 'utf8') : null;
  let data: Record<string, unknown> | null = null;
  if (existing !== null) {
    let raw: unknown;
    try {
      raw = JSON.parse(existing);
    } catch {
      // The parser's own message quotes the text around the error: say where it is instead.
      const where = parseConfigText(existing);
      const expected = where.ok ? 'valid JSON' : (where.issues[0]?.expected ?? 'valid JSON');
      throw new Error(`${configFile} is not ${expected}; fix it first, nothing was written.`);
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${configFile} must hold a JSON object.`);
    data = raw as Record<string, unknown>;
  }
  // After the file was found readable: a broken file is said at once, before any slow hashing.
  const value = await valueFor(data);
  const fresh = keyPath.reduceRight<JsonValue>((inner, key) => ({ [key]: inner }), value);
  const text = existing === null ? `${JSON.stringify(fresh, null, 2)}\n` : setJsonValue(existing, keyPath, value);
  const checked = parseConfigText(text);
  if (!checked.ok) {
    const list = checked.issues.map((i) => `  ${issueLine(i)}`).join('\n');
    throw new Error(`${configFile} has other errors; fix them first, nothing was written:\n${list}`);
  }
  if (existing === null) {
    writeFileAtomically(configFile, text);
    return { note: null };
  }
  const { modeBefore, mode } = rewriteFileKeepingAccess(configFile, text, 0o007);
  const octal = (m: number) => `0${m.toString(8).padStart(3, '0')}`;
  return { note: modeBefore === mode ? null : `its mode went from ${octal(modeBefore)} to ${octal(mode)}: other users may no longer read it` };
}

/** `--config FILE`, `--config=FILE`, else BOOTH_CONFIG; a relative path starts where ./booth was run. */
export function configArgument(args: readonly string[], env: NodeJS.ProcessEnv): string | null {
  const i = args.indexOf('--config');
  const file = i >= 0 ? args[i + 1] : (args.find((a) => a.startsWith('--config='))?.slice('--config='.length) ?? env.BOOTH_CONFIG);
  return file ? path.resolve(env.BOOTH_CALLER_DIR ?? '', file) : null;
}
