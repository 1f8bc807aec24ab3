import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { ConfigIssueView } from '../../preload/contract';
import { configSchema, secretKeys, type BoothConfig } from './schema';

export type ConfigLoad =
  | { kind: 'ok'; config: BoothConfig; path: string }
  | { kind: 'missing'; path: string }
  | { kind: 'invalid'; path: string; issues: ConfigIssueView[] };

/** Where the config is: `--config FILE`, else BOOTH_CONFIG, else config.json in the data folder. */
export function resolveConfigPath(argv: readonly string[], env: NodeJS.ProcessEnv, dataDir: string): string {
  const i = argv.indexOf('--config');
  const fromArg = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  const chosen = fromArg ?? env.BOOTH_CONFIG ?? path.join(dataDir, 'config.json');
  return path.resolve(chosen);
}

const show = (value: unknown): string => {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

function valueAt(root: unknown, pathParts: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of pathParts) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Turns zod's issues into field / value found / what was expected. */
export function describeIssues(raw: unknown, issues: readonly z.core.$ZodIssue[]): ConfigIssueView[] {
  const out: ConfigIssueView[] = [];
  for (const issue of issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const field = [...base, key].join('.');
        out.push({
          field,
          value: secretKeys.has(key) ? '••••' : show(valueAt(raw, [...issue.path, key])),
          expected: 'no such setting (check the spelling; see docs/config.md)',
        });
      }
      continue;
    }
    const last = base.at(-1) ?? '';
    const value = valueAt(raw, issue.path);
    out.push({
      field: base.join('.') || '(top level)',
      value: secretKeys.has(last) ? '••••' : show(value),
      expected: issue.message.replace(/^Invalid input: /, ''),
    });
  }
  return out;
}

export function parseConfigText(text: string): { ok: true; config: BoothConfig } | { ok: false; issues: ConfigIssueView[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      issues: [{ field: '(file)', value: show(text.slice(0, 60)), expected: `valid JSON (${(error as Error).message})` }],
    };
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
      issues: [{ field: '(file)', value: file, expected: `a readable file (${(error as Error).message})` }],
    };
  }
  const parsed = parseConfigText(text);
  return parsed.ok ? { kind: 'ok', config: parsed.config, path: file } : { kind: 'invalid', path: file, issues: parsed.issues };
}

/** A copy of the config with secrets replaced, for the admin view. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, secretKeys.has(k) && v !== null ? '••••' : maskSecrets(v)]),
    );
  }
  return value;
}
