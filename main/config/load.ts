import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { ConfigExpectation, ConfigIssueView } from '../../preload/contract';
import { expectationForIssue, expectationText, unknownKeyExpectation } from './explain';
import { configSchema, isSecretKey, type BoothConfig } from './schema';

export type ConfigLoad =
  | { kind: 'ok'; config: BoothConfig; path: string }
  | { kind: 'missing'; path: string }
  | { kind: 'invalid'; path: string; issues: ConfigIssue[] };

/** Where the config is: `--config FILE`, else BOOTH_CONFIG, else config.json in the data folder. */
export function resolveConfigPath(argv: readonly string[], env: NodeJS.ProcessEnv, dataDir: string): string {
  const i = argv.indexOf('--config');
  const fromArg = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  const chosen = fromArg ?? env.BOOTH_CONFIG ?? path.join(dataDir, 'config.json');
  return path.resolve(chosen);
}

const MASK = '••••';

/** A copy with the value of every secret-looking key replaced, at any depth. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, isSecretKey(k) && v !== null ? MASK : maskSecrets(v)]),
    );
  }
  return value;
}

const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? `a list of ${value.length}` : typeof value === 'string' ? `a string of ${value.length} characters` : `a ${typeof value}`;

/**
 * The value found, as text for the log and the set-pin command (never for the
 * screen): masked when any key on its path looks secret, only its kind where a
 * whole section was expected (a section written as a string may hold anything),
 * and secret keys masked inside objects.
 */
function showForLog(raw: unknown, pathParts: readonly PropertyKey[], wantedSection: boolean): string {
  if (pathParts.some((p) => typeof p === 'string' && isSecretKey(p))) return MASK;
  const value = valueAt(raw, pathParts);
  if (value === undefined) return '(missing)';
  if (wantedSection && (value === null || typeof value !== 'object')) return `(${kindOf(value)})`;
  const text = JSON.stringify(maskSecrets(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function valueAt(root: unknown, pathParts: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of pathParts) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** One error in a config: the field, the value found (masked, for logs only) and what was expected. */
export interface ConfigIssue extends ConfigIssueView {
  value: string;
  /** The key is not a setting: `expected` says so (and what was probably meant). */
  unknownKey?: true;
}

/** What the problem screen may show: the field and what was expected, never a value. */
export const issueView = ({ field, expected, expectedCoded }: ConfigIssue): ConfigIssueView => ({ field, expected, ...(expectedCoded ? { expectedCoded } : {}) });

/** An issue whose expectation the screen can word: the English from the same shape. */
const coded = (field: string, value: string, expectedCoded: ConfigExpectation): ConfigIssue => ({ field, value, expected: expectationText(expectedCoded), expectedCoded });

/** One line per issue, for the log and the terminal. */
export const issueLine = (issue: ConfigIssue): string =>
  `${issue.field} = ${issue.value}; ${issue.unknownKey ? '' : 'expected '}${issue.expected}`;

/** Turns zod's issues into field / value found / what was expected, in words, one issue per field and finding. */
export function describeIssues(raw: unknown, issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  // A value of the wrong type is told that alone: its size or choice says nothing more.
  const wrongType = new Set(issues.filter((i) => i.code === 'invalid_type').map((i) => i.path.map(String).join('.')));
  for (const issue of issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ ...coded([...base, key].join('.'), showForLog(raw, [...issue.path, key], false), unknownKeyExpectation(base, key)), unknownKey: true });
      }
      continue;
    }
    const field = base.join('.') || '(top level)';
    if (issue.code !== 'invalid_type' && wrongType.has(base.join('.'))) continue;
    const wantedSection = issue.code === 'invalid_type' && (issue.expected === 'object' || issue.expected === 'array');
    const { coded: expectedCoded, text: expected } = expectationForIssue(issue, valueAt(raw, issue.path));
    if (out.some((o) => o.field === field && o.expected === expected)) continue;
    out.push({ field, value: showForLog(raw, issue.path, wantedSection), expected, ...(expectedCoded ? { expectedCoded } : {}) });
  }
  return out;
}

/**
 * Where a JSON syntax error is, as line and column. Never the error's own
 * message: V8 quotes the text around the error, which may be a secret.
 */
function syntaxErrorPlace(text: string, error: unknown): ConfigExpectation {
  const at = /at position (\d+)/.exec(String((error as Error).message));
  const position = at ? Number(at[1]) : /end of JSON input/.test(String((error as Error).message)) ? text.length : null;
  if (position === null) return { kind: 'json' };
  const before = text.slice(0, position).split('\n');
  return { kind: 'json', line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

export function parseConfigText(text: string): { ok: true; config: BoothConfig } | { ok: false; issues: ConfigIssue[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, issues: [coded('(file)', '(not shown)', syntaxErrorPlace(text, error))] };
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: describeIssues(raw, parsed.error.issues) };
  return { ok: true, config: parsed.data };
}

/** Reads and validates the config. Never writes the file. */
export function loadConfig(file: string): ConfigLoad {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing', path: file };
    return {
      kind: 'invalid',
      path: file,
      issues: [coded('(file)', file, { kind: 'readable-file', errno: (error as NodeJS.ErrnoException).code ?? (error as Error).message })],
    };
  }
  const parsed = parseConfigText(text);
  return parsed.ok ? { kind: 'ok', config: parsed.config, path: file } : { kind: 'invalid', path: file, issues: parsed.issues };
}
