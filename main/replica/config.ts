/**
 * The office replica's config file (`booth replica --config FILE`): the
 * kiosks it follows (URL, API key, pinned certificate fingerprint each), the
 * store (an SQLite file by default, PostgreSQL for a fleet office) and the
 * office page's address. Checked with zod where it enters; docs/operations.md
 * "Office replica".
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** SHA-256 fingerprint as `AB:CD:…` (Node's, the kiosk's admin page and `booth api-fingerprint`), colons optional, any case. */
const fingerprint = z
  .string()
  .transform((text) => text.trim().replaceAll(':', '').toUpperCase())
  .refine((hex) => /^[0-9A-F]{64}$/.test(hex), 'a SHA-256 fingerprint: 64 hex digits, colons allowed (booth api-fingerprint prints it)')
  .transform((hex) => hex.match(/../g)!.join(':'));

const kioskSchema = z.strictObject({
  /** The name this kiosk's rows are kept under (the key of every replicated row); letters, digits, `-`, `_`, `.`. */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "-" or "_" (at most 64), starting with a letter or digit'),
  /** The kiosk's LAN API, e.g. `https://192.168.1.100:5001`. */
  url: z
    .url({ protocol: /^https$/, error: 'an https:// URL (the LAN API speaks TLS only)' })
    .transform((u) => u.replace(/\/+$/, '')),
  apiKey: z.string().min(16, 'the kiosk\'s API key (booth api-key prints a new one)'),
  fingerprint,
  /** The kiosk's `schema_version` this office insists on (the seed's check): any other stops this kiosk's sync with the reason. Any when absent. */
  schemaVersion: z.string().min(1).optional(),
});

const sqliteStore = z.strictObject({ kind: z.literal('sqlite'), file: z.string().min(1).default('replica.db') });
const postgresStore = z.strictObject({
  kind: z.literal('postgres'),
  /** A libpq connection string, e.g. `postgres://booth@db.office/booth`; the password may come from PGPASSWORD or ~/.pgpass instead. */
  connectionString: z.string().min(1),
  /** The schema Booth's tables live in (made when missing). */
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier').default('booth_replica'),
});

export const replicaConfigSchema = z.strictObject({
  kiosks: z
    .array(kioskSchema)
    .min(1, 'at least one kiosk to follow')
    .refine((list) => new Set(list.map((k) => k.id)).size === list.length, 'each kiosk needs an id of its own'),
  store: z.discriminatedUnion('kind', [sqliteStore, postgresStore]).default({ kind: 'sqlite', file: 'replica.db' }),
  /** Seconds between the safety-net `changes?after=` polls (the seed's DB_SYNC_INTERVAL). */
  syncIntervalSeconds: z.number().int().min(1).max(3600).default(10),
  /** The office page and /office/api: loopback unless told otherwise. */
  http: z
    .strictObject({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(5000) })
    .default({ host: '127.0.0.1', port: 5000 }),
  logging: z
    .strictObject({ level: z.enum(['error', 'warn', 'info', 'debug']).default('info'), file: z.string().min(1).nullable().default(null) })
    .default({ level: 'info', file: null }),
});

export type ReplicaConfig = z.output<typeof replicaConfigSchema>;
export type ReplicaConfigInput = z.input<typeof replicaConfigSchema>;
export type KioskSource = ReplicaConfig['kiosks'][number];

/** The config file read and checked; relative paths in it (the SQLite file, the log) start at the file's folder. */
export function readReplicaConfig(file: string): ReplicaConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const parsed = replicaConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(the file)'}: ${i.message}`);
    throw new Error(`${file} is not a valid replica config:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  const base = path.dirname(path.resolve(file));
  if (config.store.kind === 'sqlite') config.store.file = path.resolve(base, config.store.file);
  if (config.logging.file !== null) config.logging.file = path.resolve(base, config.logging.file);
  return config;
}
