/**
 * A gate kiosk for e2e tests: the cloud simulator in this process, a socat
 * pty pair with the scanner simulator on its far end, and the headless host
 * reading the near end through the real serialport.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { startCloudSim, type CloudSim, type SimOptions } from '../../cloud-sim/server';
import type { TicketRecordInput } from '../../cloud-sim/tickets';
import { createPtyPair, type PtyPair } from '../../sim/pty';
import { openScannerSimulator, type ScannerSimulator } from '../../sim/scanner-sim';
import { expect, invokeInPage, type HostPool } from './fixtures';
import { kioskConfig, type Host } from './host';

export const VENUE_ZONE = 'Asia/Jakarta';

/** YYYY-MM-DD in the venue's time zone, `days` from today. */
export function venueDay(days = 0): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: VENUE_ZONE }).format(new Date(Date.now() + days * 86_400_000));
}

export const ref = (n: number, date = venueDay()) => `${date.replaceAll('-', '')}-${String(n).padStart(6, '0')}`;

export function ticket(n: number, attractions: Record<string, { pax: number; used?: number }>, date = venueDay()): TicketRecordInput {
  return { bookingDate: date, referenceNo: ref(n, date), attractions };
}

export interface GateRig {
  sim: CloudSim;
  pty: PtyPair;
  scanner: ScannerSimulator;
  host: Host;
  /** The kiosk's database file. */
  dbFile: string;
  /** Writes one scan on the serial line, as the scanner would. */
  scan(code: string): Promise<void>;
  /** Admissions recorded in the kiosk's database (read from this process). */
  admissions(reference?: string): { reference: string; persons: number; test: number }[];
  close(): Promise<void>;
}

export interface GateRigOptions {
  tickets?: TicketRecordInput[];
  /** Merged over the gate test config. */
  extra?: Record<string, unknown>;
  kioskName?: string;
  /** No serial scanner (keyboard wedge only). */
  noScanner?: boolean;
  /** Simulator options from the start (faults, a skewed Date header…). */
  sim?: Partial<SimOptions>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
function merge(base: Json, extra: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(extra)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Json, v) : v;
  return out;
}

const rigs = new Set<GateRig>();

export async function startGateRig(hosts: HostPool, options: GateRigOptions = {}): Promise<GateRig> {
  const sim = await startCloudSim({ tickets: options.tickets ?? [], initial: options.sim ?? {} });
  const dir = hosts.tempDir();
  const pty = await createPtyPair(dir);
  const scanner = await openScannerSimulator(pty.simPath);
  const base = await kioskConfig({ kioskName: options.kioskName ?? 'Gate North' });
  const config = merge(
    merge(base, {
      modules: ['gate'],
      api: { baseUrl: sim.apiUrl, timeoutSeconds: 2, retryAttempts: 0, retryDelaySeconds: 0 },
      services: { fetchEnabled: true, syncEnabled: true, fetchIntervalSeconds: 3600, syncIntervalSeconds: 0.2, probeIntervalSeconds: 1 },
      sync: { backoffBaseSeconds: 0.05, backoffCapSeconds: 0.5 },
      gate: { attraction: 'A', duplicateScanSeconds: 0 },
      devices: { scanner: { path: options.noScanner ? null : pty.devicePath } },
    }),
    options.extra ?? {},
  );
  const host = await hosts.start({ config });
  const dbFile = path.join(host.dataDir, 'booth.db');
  const rig: GateRig = {
    sim,
    pty,
    scanner,
    host,
    dbFile,
    scan: (code) => scanner.write(code),
    admissions(reference) {
      if (!fs.existsSync(dbFile)) return [];
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        const rows = db.prepare('SELECT reference, persons, test FROM admissions ORDER BY at').all() as { reference: string; persons: number; test: number }[];
        return reference ? rows.filter((r) => r.reference === reference) : rows;
      } finally {
        db.close();
      }
    },
    async close() {
      rigs.delete(rig);
      await host.stop();
      await scanner.close();
      await pty.close();
      await sim.close();
    },
  };
  rigs.add(rig);
  return rig;
}

/** Stops every rig still running (after each test). */
export async function closeGateRigs(): Promise<void> {
  await Promise.all([...rigs].map((r) => r.close()));
}

/** Waits until the kiosk has downloaded tickets (and, with a scanner, opened it). */
export async function waitForGateReady(page: Page, options: { scanner?: boolean } = {}): Promise<void> {
  await expect
    .poll(
      async () => {
        const r = (await invokeInPage(page, 'gate:status')) as { ok: boolean; value?: { lastDownloadAt: string | null; scanner: { connected: boolean } } };
        return Boolean(r.ok && r.value?.lastDownloadAt && (options.scanner === false || r.value.scanner.connected));
      },
      { timeout: 15_000 },
    )
    .toBe(true);
}
