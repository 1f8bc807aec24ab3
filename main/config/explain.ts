/**
 * What a config error says to a person: what the field expects, in words
 * ("one of CR, LF, CRLF", "a whole number from 1 to 20"), never the
 * validator's wording; and for a key that is not a setting, the setting that
 * was probably meant: seed 000's snake_case names (`api.base_url`,
 * `services.fetch_interval`), flattened ones (`api_base_url`), another case or
 * a typo. Read from the schema itself, so a new setting is explained too.
 */
import { z } from 'zod';
import type { ConfigExpectation, ConfigRule } from '../../preload/contract';
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

/**
 * Booth's own checks (schema.ts), by the words they were written with: the
 * screen says each in its language. A message not listed stays English.
 */
const RULES: Readonly<Record<string, ConfigRule>> = {
  'an http(s) URL': 'http-url',
  'a URL ending in "/" (endpoints are resolved against it)': 'url-slash',
  'an https:// URL (plain http only to this machine: 127.0.0.1 or localhost; for a server on the local network set allowInsecureHttp: true in this section, see docs/operations.md)': 'https-url',
  'a path relative to api.baseUrl, without a leading "/"': 'relative-path',
  'an IANA time zone such as "Asia/Jakarta"': 'time-zone',
  'an HTTP header name': 'header-name',
  'a hash written by `booth set-pin`': 'pin-hash',
  'a valid regular expression': 'regex',
  'an IP address such as "127.0.0.1" (this machine only), the kiosk\'s LAN address, or "0.0.0.0" (every interface)': 'ip-address',
  'a hash printed by `booth api-key` ("sha256:" and 64 hex digits)': 'api-key-hash',
  'at least one key hash while enabled is true (create one with `booth api-key --config FILE`)': 'api-key-needed',
};
const RULE_TEXT: Readonly<Record<ConfigRule, string>> = Object.fromEntries(Object.entries(RULES).map(([text, rule]) => [rule, text])) as Record<ConfigRule, string>;

/** " from 1 to 300", " above 0, up to 1000000", " of at least 10000", ... */
function range(low: number | undefined, lowOpen: boolean | undefined, high: number | undefined): string {
  if (low !== undefined && high !== undefined) return lowOpen ? ` above ${low}, up to ${high}` : ` from ${low} to ${high}`;
  if (low !== undefined) return lowOpen ? ` above ${low}` : ` of at least ${low}`;
  if (high !== undefined) return ` of at most ${high}`;
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

const NOT_SETTING_TEXT: Readonly<Record<Extract<ConfigExpectation, { kind: 'not-a-setting' }>['why'], string>> = {
  'kiosk-id': 'Booth makes the kiosk id once and keeps it in its database (admin shows it)',
  pin: 'the PIN is never in the config; set it with booth set-pin, which writes admin.pinHash',
  'self-signed-cert': "the LAN API always uses a certificate the kiosk makes itself (set lanApi.enabled; `booth api-fingerprint` prints what clients pin)",
};

/** The English words for an expectation (the log, the terminal; the screen words the same shape in its language). */
export function expectationText(e: ConfigExpectation): string {
  const orNull = e.orNull ? ', or null' : '';
  switch (e.kind) {
    case 'one-of':
      return `one of ${e.values.join(', ')}${orNull}${e.caseMatters ? ' (letter case matters)' : ''}`;
    case 'text':
      return `text in quotes${size(e.min, e.max, 'characters')}${orNull}`;
    case 'whole-number':
      return `a whole number${range(e.low, e.lowOpen, e.high)}${orNull}`;
    case 'number':
      return `a number${range(e.low, e.lowOpen, e.high)}${orNull}`;
    case 'true-false':
      return `true or false${orNull}`;
    case 'section':
      return `a section in { }${orNull}`;
    case 'list':
      return `a list in [ ]${size(e.min, e.max, 'items')}${e.each ? `, each ${expectationText(e.each)}` : ''}${orNull}`;
    case 'settings':
      return 'the settings in { }, as in docs/config.md';
    case 'rule':
      return RULE_TEXT[e.rule];
    case 'no-such-setting': {
      const s = e.suggestions;
      if (s.length === 0) return 'no such setting (check the spelling; see docs/config.md)';
      return `no such setting: did you mean ${s.length === 1 ? s[0] : `${s.slice(0, -1).join(', ')} or ${s.at(-1)}`}?`;
    }
    case 'not-a-setting':
      return `no such setting: ${NOT_SETTING_TEXT[e.why]}`;
    case 'json':
      return e.line === undefined ? 'valid JSON' : `valid JSON (the error is at line ${e.line}, column ${e.column})`;
    case 'readable-file':
      return `a readable file (${e.errno})`;
    case 'valid':
      return 'a valid value';
  }
}

/** No upper limit to speak of: zod writes MAX_SAFE_INTEGER for an int without one. */
const upper = (n: number | undefined): number | undefined => (n !== undefined && n < Number.MAX_SAFE_INTEGER ? n : undefined);
const listOfWords = (values: readonly unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));

/** What a field expects, from its schema. */
export function expectationOf(schema: JsonSchema): ConfigExpectation {
  const s = withoutNull(schema);
  const orNull = allowsNull(schema) ? { orNull: true } : {};
  const lowOpen = s.minimum === undefined && s.exclusiveMinimum !== undefined;
  const low = s.minimum ?? s.exclusiveMinimum;
  const high = upper(s.maximum);
  const bounds = () => ({ ...(low !== undefined ? { low } : {}), ...(lowOpen ? { lowOpen: true } : {}), ...(high !== undefined ? { high } : {}) });
  const sized = (min: number | undefined, max: number | undefined) => ({ ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });
  if (s.enum) return { kind: 'one-of', values: listOfWords(s.enum), ...orNull };
  switch (s.type) {
    case 'string':
      return { kind: 'text', ...sized(s.minLength, s.maxLength), ...orNull };
    case 'integer':
      return { kind: 'whole-number', ...bounds(), ...orNull };
    case 'number':
      return { kind: 'number', ...bounds(), ...orNull };
    case 'boolean':
      return { kind: 'true-false', ...orNull };
    case 'object':
      return { kind: 'section', ...orNull };
    case 'array':
      return { kind: 'list', ...sized(s.minItems, s.maxItems), ...(s.items ? { each: expectationOf(s.items) } : {}), ...orNull };
    default:
      return { kind: 'valid' };
  }
}

/** What a field expects, in English words, from its schema. */
export const expectedText = (schema: JsonSchema): string => expectationText(expectationOf(schema));

/**
 * What to say for a zod issue at `path`, from the schema where the issue is
 * about type, size or choice; `text` is null for a message of a check this
 * file does not know (shown as it is).
 */
export function expectationForIssue(issue: z.core.$ZodIssue, given: unknown): { coded: ConfigExpectation | null; text: string } {
  const coded = codedForIssue(issue, given);
  return coded ? { coded, text: expectationText(coded) } : { coded: null, text: issue.message.replace(/^Invalid input: /, '') };
}

function codedForIssue(issue: z.core.$ZodIssue, given: unknown): ConfigExpectation | null {
  if (issue.path.length === 0) return { kind: 'settings' };
  const schema = schemaAt(issue.path);
  const fromSchema = issue.code === 'invalid_type' || issue.code === 'too_small' || issue.code === 'too_big' || issue.code === 'invalid_value';
  if (fromSchema && schema) {
    const e = expectationOf(schema);
    // "INFO" for "info": the seed wrote levels in capitals.
    if (e.kind === 'one-of' && issue.code === 'invalid_value' && typeof given === 'string' && e.values.some((o) => o.toLowerCase() === given.toLowerCase())) {
      return { ...e, caseMatters: true };
    }
    return e;
  }
  // Our own messages (custom checks, patterns) are written for people already: by name, for the screen's words.
  const rule = RULES[issue.message];
  return rule ? { kind: 'rule', rule } : null;
}

/** The English words for a zod issue (see expectationForIssue). */
export const expectedForIssue = (issue: z.core.$ZodIssue, given: unknown): string => expectationForIssue(issue, given).text;

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
const NOT_SETTINGS: Record<string, Extract<ConfigExpectation, { kind: 'not-a-setting' }>['why']> = {
  kioskid: 'kiosk-id',
  pin: 'pin',
  adminpin: 'pin',
  useselfsignedcert: 'self-signed-cert',
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
export function unknownKeyExpectation(sectionPath: readonly string[], key: string): ConfigExpectation {
  const why = NOT_SETTINGS[squash(key)];
  if (why) return { kind: 'not-a-setting', why };
  return { kind: 'no-such-setting', suggestions: suggestSetting(sectionPath, key) };
}

export const unknownKeyText = (sectionPath: readonly string[], key: string): string => expectationText(unknownKeyExpectation(sectionPath, key));
