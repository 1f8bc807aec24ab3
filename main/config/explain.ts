/**
 * What a config error says to a person: what the field expects, in words
 * ("one of CR, LF, CRLF", "a whole number from 1 to 20"), never the
 * validator's wording; and for a key that is not a setting, the setting that
 * was probably meant: seed 000's snake_case names (`api.base_url`,
 * `services.fetch_interval`), flattened ones (`api_base_url`), another case or
 * a typo. Read from the schema itself, so a new setting is explained too.
 */
import { z } from 'zod';
import { configSchema } from './schema';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

let jsonSchema: JsonSchema | null = null;
const schemaRoot = (): JsonSchema =>
  (jsonSchema ??= z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);

/** The schema of the field at `path` (object keys and list positions), or null when there is none. */
function schemaAt(path: readonly PropertyKey[]): JsonSchema | null {
  let node: JsonSchema | undefined = schemaRoot();
  for (const part of path) {
    node = node && withoutNull(node);
    if (!node) return null;
    node = typeof part === 'number' ? node.items : node.properties?.[String(part)];
  }
  return node ?? null;
}

const withoutNull = (s: JsonSchema): JsonSchema => s.anyOf?.find((a) => a.type !== 'null') ?? s;
const allowsNull = (s: JsonSchema): boolean => Boolean(s.anyOf?.some((a) => a.type === 'null'));

/** " from 1 to 300", " above 0, up to 1000000", " of at least 10000", ... */
function range(low: number | undefined, lowOpen: boolean, high: number | undefined): string {
  const hasHigh = high !== undefined && high < Number.MAX_SAFE_INTEGER;
  if (low !== undefined && hasHigh) return lowOpen ? ` above ${low}, up to ${high}` : ` from ${low} to ${high}`;
  if (low !== undefined) return lowOpen ? ` above ${low}` : ` of at least ${low}`;
  if (hasHigh) return ` of at most ${high}`;
  return '';
}

/** " (1 to 40 characters)", " (at most 8 items)", "" */
function size(low: number | undefined, high: number | undefined, unit: string): string {
  if (low !== undefined && high !== undefined) return ` (${low} to ${high} ${unit})`;
  if (low === 1 && unit === 'characters') return ' (not empty)';
  if (low !== undefined) return ` (at least ${low} ${unit})`;
  if (high !== undefined) return ` (at most ${high} ${unit})`;
  return '';
}

const listOfWords = (values: readonly unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');

/** What a field expects, in words, from its schema. */
export function expectedText(schema: JsonSchema): string {
  const s = withoutNull(schema);
  const orNull = allowsNull(schema) ? ', or null' : '';
  const lowOpen = s.minimum === undefined && s.exclusiveMinimum !== undefined;
  if (s.enum) return `one of ${listOfWords(s.enum)}${orNull}`;
  switch (s.type) {
    case 'string':
      return `text in quotes${size(s.minLength, s.maxLength, 'characters')}${orNull}`;
    case 'integer':
      return `a whole number${range(s.minimum ?? s.exclusiveMinimum, lowOpen, s.maximum)}${orNull}`;
    case 'number':
      return `a number${range(s.minimum ?? s.exclusiveMinimum, lowOpen, s.maximum)}${orNull}`;
    case 'boolean':
      return `true or false${orNull}`;
    case 'object':
      return `a section in { }${orNull}`;
    case 'array':
      return `a list in [ ]${size(s.minItems, s.maxItems, 'items')}${s.items ? `, each ${expectedText(s.items)}` : ''}${orNull}`;
    default:
      return 'a valid value';
  }
}

/** What to say for a zod issue at `path`, from the schema where the issue is about type, size or choice. */
export function expectedForIssue(issue: z.core.$ZodIssue, given: unknown): string {
  if (issue.path.length === 0) return 'the settings in { }, as in docs/config.md';
  const schema = schemaAt(issue.path);
  const fromSchema = issue.code === 'invalid_type' || issue.code === 'too_small' || issue.code === 'too_big' || issue.code === 'invalid_value';
  if (fromSchema && schema) {
    const text = expectedText(schema);
    // "INFO" for "info": the seed wrote levels in capitals.
    const options = withoutNull(schema).enum;
    if (issue.code === 'invalid_value' && typeof given === 'string' && options?.some((o) => typeof o === 'string' && o.toLowerCase() === given.toLowerCase())) {
      return `${text} (letter case matters)`;
    }
    return text;
  }
  // Our own messages (custom checks, patterns) are written for people already.
  return issue.message.replace(/^Invalid input: /, '');
}

/** Every setting's dotted name, sections included. */
function settingNames(): string[] {
  const out: string[] = [];
  const walk = (s: JsonSchema, prefix: string) => {
    for (const [key, child] of Object.entries(withoutNull(s).properties ?? {})) {
      const name = prefix ? `${prefix}.${key}` : key;
      out.push(name);
      walk(child, name);
    }
  };
  walk(schemaRoot(), '');
  return out;
}
let names: string[] | null = null;

/** Case, "_" and "-" do not tell settings apart: `base_url`, `baseURL` and `baseUrl` are one name. */
const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Units Booth names and the seed left out (`timeout` → `timeoutSeconds`, `max_size` → `maxSizeBytes`). */
const UNITS = ['seconds', 'bytes', 'ms', 'minutes'];

/** Seed names that are not a spelling of Booth's, with what Booth has instead. */
const OTHER_NAMES: Record<string, string> = {
  loglevel: 'logging.level',
  logfile: 'logging.file',
  apibase: 'payout.baseUrl',
};

/** Settings that exist elsewhere or not at all, and why (no "did you mean" fits them). */
const NOT_SETTINGS: Record<string, string> = {
  kioskid: 'Booth makes the kiosk id once and keeps it in its database (admin shows it)',
  pin: 'the PIN is never in the config; set it with booth set-pin, which writes admin.pinHash',
  adminpin: 'the PIN is never in the config; set it with booth set-pin, which writes admin.pinHash',
  useselfsignedcert: "the LAN API always uses a certificate the kiosk makes itself (set lanApi.enabled; `booth api-fingerprint` prints what clients pin)",
};

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

const parentOf = (name: string) => name.split('.').slice(0, -1).join('.');
const leafOf = (name: string) => name.split('.').at(-1)!;

/**
 * The setting a key that is not one probably meant, by how sure that is:
 * the same name spelt otherwise (in its section, then anywhere), with its unit
 * added, a seed name Booth calls otherwise, then a typo (a few letters off).
 */
export function suggestSetting(sectionPath: readonly string[], key: string): string[] {
  names ??= settingNames();
  const section = sectionPath.join('.');
  const wanted = squash(key);
  const full = squash(sectionPath.concat(key).join(''));
  const pick = (match: (name: string) => boolean): string[] => {
    const found = names!.filter(match);
    const here = found.filter((n) => parentOf(n) === section);
    return (here.length ? here : found).slice(0, 3);
  };
  const tiers: ((name: string) => boolean)[] = [
    (n) => squash(leafOf(n)) === wanted || squash(n) === full || squash(n) === wanted,
    (n) => UNITS.some((unit) => squash(leafOf(n)) === wanted + unit || squash(n) === full + unit || squash(n) === wanted + unit),
  ];
  for (const tier of tiers) {
    const found = pick(tier);
    if (found.length) return found;
  }
  const renamed = OTHER_NAMES[wanted] ?? OTHER_NAMES[full];
  if (renamed) return [renamed];
  if (wanted.length < 4) return [];
  const allowed = wanted.length <= 6 ? 1 : wanted.length <= 10 ? 2 : 3;
  const distance = (n: string) => Math.min(...['', ...UNITS].map((unit) => editDistance(wanted + unit, squash(leafOf(n)))));
  const near = names.map((n) => ({ n, d: distance(n) })).filter((x) => x.d <= allowed);
  const best = Math.min(...near.map((x) => x.d));
  return pick((n) => near.some((x) => x.n === n && x.d === best));
}

/** What to say about `key` in `sectionPath`, which is not a setting. */
export function unknownKeyText(sectionPath: readonly string[], key: string): string {
  const why = NOT_SETTINGS[squash(key)];
  if (why) return `no such setting: ${why}`;
  const suggestions = suggestSetting(sectionPath, key);
  if (suggestions.length === 0) return 'no such setting (check the spelling; see docs/config.md)';
  const listed = suggestions.length === 1 ? suggestions[0] : `${suggestions.slice(0, -1).join(', ')} or ${suggestions.at(-1)}`;
  return `no such setting: did you mean ${listed}?`;
}
