/**
 * The ticket gate (seed 000): offline validation of per-attraction allowances,
 * durable admissions with their upload in the same transaction, ticket
 * download, the scanner, and the attendant's gate page.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import type {
  AdmitResult,
  GateAdminSummary,
  GateStatus,
  ScannerStatus,
  ScanDecision,
  ScanResult,
} from '../../preload/contract';
import { venueDate } from '../clock';
import { crashPoint } from '../crash-points';
import { HandlerError, type HandlerMap } from '../dispatch';
import type { KioskModule, ModuleContext } from '../modules/module';
import { isStorageFailure } from '../store';
import type { OutboxItem } from '../sync';
import { admissionId } from './admission-id';
import { createHourChart, createRetention } from './housekeeping';
import { createTicketDownloader } from './download';
import { createFlagReader } from './flags';
import { runImportInWorker, type ImportRunner } from './import-runner';
import { createTicketLookup } from './lookup';
import { createCountRestorer } from './restore';
import { compileReferencePattern, readScanCode } from './scan-code';
import { createZoneCheck } from './zone-check';
import { USAGE_KIND, usageOrderKey, usagePayloadSchema, usageRequestBody, type UsagePayload } from './usage';

export { USAGE_KIND, usagePayloadSchema, type UsagePayload } from './usage';
const TEST_MODE_KEY = 'gate.testMode';
/** Open flags per page on the attendant's page. */
const FLAG_PAGE_SIZE = 50;

/** A source of scanner lines (the serial scanner, or nothing). */
export interface ScanSource {
  start(): void;
  stop(): Promise<void>;
  status(): ScannerStatus;
}

export interface ScanLine {
  text: string;
  /** Longer than gate.maxScanLength on the wire. */
  overlong: boolean;
  /** Carried control bytes (C0, DEL, C1) the scanner should never send. */
  controlBytes: boolean;
}

export interface GateOptions {
  runImport?: ImportRunner;
  /** Creates the serial scanner; it calls `onLine` for each line read. */
  createScanner?: (onLine: (line: ScanLine) => void, onStatus: (status: ScannerStatus) => void) => ScanSource;
  /** Demo profile: writes a code to the simulated scanner. */
  demoScan?: (code: string) => Promise<void>;
}

const noScanner: ScannerStatus = { configured: false, connected: false, path: null, lastScanAt: null, error: null, errorCoded: null };

export function createGateModule(ctx: ModuleContext, options: GateOptions = {}): KioskModule {
  const { config, platform, store, events, outbox, cloud, admin } = ctx;
  const db = store.db;
  const log = platform.log.scope('gate');
  const clock = platform.clock;
  const gate = config.gate;
  const attraction = gate.attraction;
  const rules = { maxLength: gate.maxScanLength, pattern: compileReferencePattern(gate.referencePattern) };

  const sql = {
    insertAdmission: db.prepare(
      'INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at, test) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    ack: db.prepare('UPDATE admissions SET acked_seq = ? WHERE id = ? AND acked_seq IS NULL'),
    ticketCount: db.prepare('SELECT COUNT(*) AS n FROM tickets WHERE withdrawn_at IS NULL'),
  };

  const runImport = options.runImport ?? runImportInWorker;
  const zoneCheck = createZoneCheck({ store, clock, timeZone: config.timeZone, log });
  const restorer = createCountRestorer({ db, outbox, config, clock, log });
  const downloader = createTicketDownloader({
    store,
    cloud,
    config,
    platform,
    events,
    runImport,
    afterSuccess: () => zoneCheck.afterDownload(),
    onCountConflicts: (c) => restorer.restore(c),
  });
  const flags = createFlagReader(db);

  outbox.registerKind({
    kind: USAGE_KIND,
    request(payload) {
      return { endpoint: config.api.syncEndpoint, body: usageRequestBody(payload) };
    },
    onAcknowledged(item: OutboxItem, seq: number) {
      const payload = usagePayloadSchema.parse(item.payload);
      for (const admission of payload.admissions) sql.ack.run(seq, admission.id);
    },
    describe(payload) {
      const parsed = usagePayloadSchema.safeParse(payload);
      if (!parsed.success) return 'usage (unreadable payload)';
      const persons = parsed.data.admissions.reduce((sum, a) => sum + a.persons, 0);
      const what = `ticket ${parsed.data.referenceNo}: ${persons} person(s) at ${Object.keys(parsed.data.attractions).join(', ')}`;
      return parsed.data.restore ? `${what} (restores a count the server lost)` : what;
    },
    summary(payload) {
      const parsed = usagePayloadSchema.safeParse(payload);
      if (!parsed.success) return { code: 'outbox-unreadable', params: { kind: USAGE_KIND } };
      const count = parsed.data.admissions.reduce((sum, a) => sum + a.persons, 0);
      const params = { reference: parsed.data.referenceNo, count, attractions: Object.keys(parsed.data.attractions).join(', ') };
      return { code: parsed.data.restore ? 'outbox-usage-restore' : 'outbox-usage', params };
    },
  });

  const lookup = createTicketLookup(db, {
    attraction,
    kioskName: config.kioskName,
    validDaysBefore: gate.validDaysBefore,
    validDaysAfter: gate.validDaysAfter,
    log,
  });
  let testModeOn = store.getSetting(TEST_MODE_KEY, z.boolean()) ?? false;

  // Two decisions per admission (the scan's, and again in its transaction):
  // the venue's date is formatted (Intl) once per second of wall time, not for each.
  let todayCache = { second: Number.NaN, date: '' };
  const venueToday = (): string => {
    const now = clock.now();
    const second = Math.floor(now.getTime() / 1000);
    if (second !== todayCache.second) todayCache = { second, date: venueDate(now, config.timeZone) };
    return todayCache.date;
  };

  const decideFor = (reference: string, test: boolean) =>
    lookup.decide(reference, test, {
      testMode: testModeOn,
      today: venueToday(),
      lastDownloadAt: downloader.lastSuccessAt(),
    });

  // The one scan waiting for "how many persons"; a new scan replaces it. Its log
  // line waits with it: the admission writes one line for both (each line is a
  // synchronous append on the admission's path); a scan that ends otherwise
  // gets its own line then.
  let pending: { scanId: string; reference: string; test: boolean; expiresAt: number; scanLine: string } | null = null;

  let lastScan: { text: string; at: number; result: ScanResult } | null = null;
  let scannerStatus: ScannerStatus = noScanner;

  /** Ends the waiting choice; one that had already timed out is logged as such, whatever ended it. */
  function endPendingScan(why: string): void {
    if (pending) log.info(`${pending.scanLine}; not admitted (${clock.monotonicMs() > pending.expiresAt ? 'the choice timed out' : why})`);
    pending = null;
  }

  function scan(rawText: string, flags: { overlong: boolean; controlBytes: boolean } = { overlong: false, controlBytes: false }): { result: ScanResult; duplicate: boolean } {
    const nowMono = clock.monotonicMs();
    const text = rawText.trim();
    if (lastScan && lastScan.text === text && nowMono - lastScan.at < gate.duplicateScanSeconds * 1000) {
      return { result: lastScan.result, duplicate: true };
    }
    const code = flags.overlong
      ? ({ ok: false, reason: 'too-long' } as const)
      : flags.controlBytes
        ? ({ ok: false, reason: 'control-bytes' } as const)
        : readScanCode(rawText, rules);
    const base = { scanId: crypto.randomUUID(), at: clock.now().toISOString(), clockWarning: cloud.state().clockWarning };
    const decision: ScanDecision = code.ok ? decideFor(code.reference, code.test).decision : { kind: 'unreadable', reason: code.reason };
    const result = { ...base, ...decision } as ScanResult;
    endPendingScan('another scan came');
    lastScan = { text, at: nowMono, result };
    if (decision.kind === 'valid') {
      pending = {
        scanId: base.scanId,
        reference: decision.reference,
        test: decision.test,
        expiresAt: nowMono + (gate.choiceTimeoutSeconds + 5) * 1000,
        scanLine: `scan ${decision.reference} at ${base.at}: valid (${decision.left} of ${decision.pax} left)`,
      };
    } else if (code.ok) log.info(`scan ${code.reference}: ${decision.kind}`);
    else log.info(`scan unreadable (${code.reason})`);
    return { result, duplicate: false };
  }

  function admit(scanId: string, persons: number): AdmitResult {
    const waiting = pending;
    if (!waiting || waiting.scanId !== scanId) return { status: 'expired' };
    if (clock.monotonicMs() > waiting.expiresAt) {
      endPendingScan('the choice timed out');
      return { status: 'expired' };
    }
    const { reference, test } = waiting;
    try {
      const outcome = db.transaction((): AdmitResult => {
        const { decision, bookingDate, allAttractions } = decideFor(reference, test);
        if (decision.kind !== 'valid' || persons > decision.left) {
          return { status: 'changed', result: { scanId, at: clock.now().toISOString(), clockWarning: cloud.state().clockWarning, ...decision } as ScanResult };
        }
        const now = clock.now();
        const admission = { id: admissionId(now), attraction, persons, at: now.toISOString() };
        sql.insertAdmission.run(admission.id, reference, attraction, persons, store.kioskId, admission.at, test ? 1 : 0);
        if (!test && decision.kind === 'valid') {
          const used = decision.pax - decision.left + persons;
          const orderKey = usageOrderKey(reference);
          const merged = outbox.coalesce(USAGE_KIND, orderKey, (payload) => {
            const current = usagePayloadSchema.parse(payload);
            current.attractions[attraction] = { pax: decision.pax, used };
            current.admissions.push(admission);
            return current;
          });
          if (!merged) {
            const attractions = config.gate.uploadAllAttractions
              ? { ...allAttractions(), [attraction]: { pax: decision.pax, used } }
              : { [attraction]: { pax: decision.pax, used } };
            outbox.enqueue({
              kind: USAGE_KIND,
              orderKey,
              payload: { bookingDate: bookingDate ?? decision.bookingDate, referenceNo: reference, attractions, admissions: [admission] } satisfies UsagePayload,
            });
          }
        }
        crashPoint('gate.admit.in-transaction');
        return { status: 'admitted', reference, persons, left: decision.left - persons, test };
      })();
      if (outcome.status === 'admitted') {
        pending = null;
        crashPoint('gate.admit.after-commit');
        log.info(`admitted ${persons} on ${reference}${test ? ' (test)' : ''}; ${outcome.left} left (${waiting.scanLine})`);
        outbox.wake();
      }
      return outcome;
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      log.error(`cannot record the admission of ${persons} on ${reference}: ${(error as Error).message}`);
      return { status: 'cannot-record', message: 'This entry could not be recorded. Please see the attendant.' };
    }
  }

  const status = (): GateStatus => ({
    attraction,
    testMode: testModeOn,
    lastDownloadAt: downloader.lastSuccessAt(),
    scanner: scannerStatus,
  });

  const scanner = options.createScanner?.(
    (line) => {
      const { result, duplicate } = scan(line.text, line);
      if (!duplicate) events.emit('gate:scanned', result);
    },
    (next) => {
      scannerStatus = next;
      events.emit('gate:status', status());
    },
  );
  if (scanner) scannerStatus = scanner.status();

  const admissionsPerHour = createHourChart(db, { clock, timeZone: config.timeZone, attraction });
  const retention = createRetention(db, { clock, timeZone: config.timeZone, retentionDays: gate.retentionDays, log });

  const handlers: HandlerMap = {
    'gate:status': () => status(),
    'gate:scan': ({ code }) => scan(code).result,
    'gate:admit': ({ scanId, persons }) => admit(scanId, persons),
    'gate:cancel': ({ scanId, reason }) => {
      if (pending?.scanId === scanId) endPendingScan(reason === 'timeout' ? 'the choice timed out' : 'cancelled');
      return null;
    },
    'gate:admin-summary': (): GateAdminSummary => {
      admin.requireSession({ activity: false });
      return {
        attraction,
        testMode: testModeOn,
        ticketsStored: (sql.ticketCount.get() as { n: number }).n,
        lastDownload: downloader.info(),
        lastSuccessfulDownloadAt: downloader.lastSuccessAt(),
        admissionsPerHour: admissionsPerHour(),
        sync: outbox.status(),
        deadItems: outbox.deadItems(),
        scanner: scannerStatus,
        flags: flags.page(undefined, FLAG_PAGE_SIZE),
        timeZoneHint: zoneCheck.current(),
      };
    },
    'gate:flags': ({ before, limit }) => {
      admin.requireSession();
      return flags.page(before, limit ?? FLAG_PAGE_SIZE);
    },
    'gate:resolve-flag': ({ id, note }) => {
      admin.requireSession();
      const text = note?.trim() || null;
      const resolved = flags.resolve(id, text, clock.now().toISOString());
      if (!resolved) throw new HandlerError('failed', `Flag ${id} is not open.`, { code: 'gate-flag-not-open', params: { id } });
      admin.audit('gate.resolve-flag', `${resolved.kind} ${resolved.reference} (${resolved.attraction}): ${resolved.detail}${text ? `; note: ${text}` : ''}`, {
        code: 'audit-resolve-flag',
        // The attendant's note, as typed, beneath the words.
        params: { flagKind: resolved.kind, reference: resolved.reference, attraction: resolved.attraction, ...(text ? { detail: text } : {}) },
      });
      log.info(`flag ${id} resolved by the attendant: ${resolved.kind} ${resolved.reference}${text ? ` (${text})` : ''}`);
      return resolved;
    },
    'gate:download-now': () => {
      admin.requireSession();
      admin.audit('gate.download-now');
      void downloader.run();
      return downloader.info();
    },
    'gate:set-test-mode': ({ on }) => {
      admin.requireSession();
      store.setSetting(TEST_MODE_KEY, on, clock.now());
      testModeOn = on;
      admin.audit('gate.test-mode', on ? 'on' : 'off');
      log.info(`test mode ${on ? 'on' : 'off'}`);
      const next = status();
      events.emit('gate:status', next);
      return next;
    },
    ...(options.demoScan
      ? {
          'demo:scan': async ({ code }: { code: string }) => {
            await options.demoScan!(code);
            return null;
          },
        }
      : {}),
  };

  return {
    id: 'gate',
    handlers,
    adminPage: { id: 'gate', title: 'Gate' },
    busy: () => (pending && clock.monotonicMs() <= pending.expiresAt ? ['a customer is choosing how many persons enter'] : []),
    adminWarnings: () => {
      const hint = zoneCheck.current();
      return hint ? [{ kind: 'gate.time-zone', hint }] : [];
    },
    jobs: [
      {
        // Upload first, then download: the server sees local facts before the kiosk refreshes its view.
        name: 'gate.sync',
        intervalMs: config.services.fetchIntervalSeconds * 1000,
        runAtStart: true,
        run: async () => {
          if (config.services.syncEnabled) await outbox.drain();
          if (!config.services.fetchEnabled) return;
          // A failed download is a failed run: /health and the admin's job list show why.
          const download = await downloader.run();
          if (download.state === 'failed') throw new Error(`ticket download failed: ${download.error ?? 'no reason given'}`);
        },
      },
      { name: 'gate.retention', intervalMs: 6 * 3_600_000, runAtStart: true, run: () => retention() },
    ],
    start: () => scanner?.start(),
    stop: async () => {
      await scanner?.stop();
      endPendingScan('the kiosk stopped');
    },
  };
}

export { decide } from './decide';
export { readScanCode } from './scan-code';
export { importTickets } from './import';
