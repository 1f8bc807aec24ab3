/**
 * Restoring a count the server lost (CONTRACTS.md "Gate tickets"): when a
 * download shows a ticket's count below what the server acknowledged from
 * this kiosk, the kiosk queues one upload with its known total as the
 * absolute count, carrying its acknowledged admission events under their
 * original ids. A server that reads the events and drops repeats by id counts
 * what it lost exactly (and nothing twice); one that reads only the absolute
 * count gets the kiosk's total back. One restore per ticket waits at a time;
 * later admissions merge into it while it is unsent.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../clock';
import type { BoothConfig } from '../config';
import type { ScopedLog } from '../log';
import type { Outbox } from '../sync';
import { createFlagWriter, knownTotal } from './flags';
import type { CountConflict } from './import';
import { storedAttractionsSchema } from './records';
import { USAGE_KIND, usageOrderKey, usagePayloadSchema, type AdmissionEvent, type UsagePayload } from './usage';

export interface CountRestorer {
  /** Queues a restore for each conflict that has none waiting; returns how many were queued. */
  restore(conflicts: readonly CountConflict[]): number;
}

export function createCountRestorer(deps: { db: Database.Database; outbox: Outbox; config: BoothConfig; clock: Clock; log: ScopedLog }): CountRestorer {
  const { db, outbox, config, clock, log } = deps;
  const flags = createFlagWriter(db);
  const sql = {
    ticket: db.prepare('SELECT booking_date, raw_json FROM tickets WHERE reference = ?'),
    admissions: db.prepare(
      'SELECT id, persons, at, acked_seq, included FROM admissions WHERE reference = ? AND attraction = ? AND test = 0 ORDER BY at, id',
    ),
    waiting: db.prepare("SELECT payload FROM outbox WHERE kind = ? AND order_key = ? AND state IN ('pending', 'dead')").pluck(),
  };

  /** The count a restore still waiting for this ticket sends, if one is waiting. */
  function waitingRestore(reference: string, attraction: string): number | null {
    for (const json of sql.waiting.all(USAGE_KIND, usageOrderKey(reference)) as string[]) {
      const payload = usagePayloadSchema.safeParse(JSON.parse(json));
      if (payload.success && payload.data.restore) return payload.data.attractions[attraction]?.used ?? null;
    }
    return null;
  }

  /** Conflicts worded one by one in the log; beyond them (a server reset), one line says how many. */
  const LOGGED_ONE_BY_ONE = 20;

  function restoreOne(conflict: CountConflict, logIt: boolean): boolean {
    const { reference, attraction } = conflict;
    const now = clock.now().toISOString();
    const waiting = waitingRestore(reference, attraction);
    if (waiting !== null) {
      flags.noteResent(reference, attraction, waiting, now);
      return false;
    }
    const ticket = sql.ticket.get(reference) as { booking_date: string; raw_json: string } | undefined;
    const stored = ticket ? storedAttractionsSchema.safeParse(JSON.parse(ticket.raw_json)) : undefined;
    const allowance = stored?.success ? stored.data.attractions[attraction] : undefined;
    if (!ticket || !stored?.success || !allowance) return false;

    const rows = sql.admissions.all(reference, attraction) as { id: string; persons: number; at: string; acked_seq: number | null; included: number }[];
    const acknowledged: AdmissionEvent[] = rows.filter((r) => r.acked_seq !== null).map((r) => ({ id: r.id, attraction, persons: r.persons, at: r.at }));
    const sum = (included: number) => rows.filter((r) => r.included === included).reduce((n, r) => n + r.persons, 0);
    const total = knownTotal({ serverUsed: allowance.used, acknowledged: sum(1), pending: sum(0) });
    const count = { pax: allowance.pax, used: total };

    const merged = outbox.coalesce(USAGE_KIND, usageOrderKey(reference), (payload) => {
      const current = usagePayloadSchema.parse(payload);
      current.attractions[attraction] = count;
      const carried = new Set(current.admissions.map((a) => a.id));
      current.admissions.push(...acknowledged.filter((a) => !carried.has(a.id)));
      current.restore = true;
      return current;
    });
    if (!merged) {
      const attractions = config.gate.uploadAllAttractions ? { ...stored.data.attractions, [attraction]: count } : { [attraction]: count };
      outbox.enqueue({
        kind: USAGE_KIND,
        orderKey: usageOrderKey(reference),
        payload: { bookingDate: ticket.booking_date, referenceNo: reference, attractions, admissions: acknowledged, restore: true } satisfies UsagePayload,
      });
    }
    flags.noteResent(reference, attraction, total, now);
    if (logIt) {
      log.warn(
        `ticket ${reference}: the server counts ${conflict.serverUsed} at ${attraction} but acknowledged ${conflict.acknowledged} from this kiosk; sending its count (${total}) again to restore it`,
      );
    }
    return true;
  }

  // One short transaction per ticket: an admission waits for one at most.
  const restoreInTransaction = db.transaction(restoreOne);

  return {
    restore(conflicts) {
      let queued = 0;
      for (const conflict of conflicts) if (restoreInTransaction(conflict, queued < LOGGED_ONE_BY_ONE)) queued++;
      if (queued > LOGGED_ONE_BY_ONE) log.warn(`${queued} counts the server lost are being sent again (${queued - LOGGED_ONE_BY_ONE} more than listed above)`);
      if (queued > 0) outbox.wake();
      return queued;
    },
  };
}
