/**
 * Each change of a resource's status, to the cloud through the outbox
 * (CONTRACTS.md "Timed sessions"): `POST {base}{statusEndpoint}`
 * `{"systemId","status","activeBooking","at"}`, queued in the transaction
 * that changes the resource. Per resource in order; a report never sent yet
 * is replaced by the newer one (the server needs the resource's status, not
 * every step of a day offline), so the customer app ends where the kiosk is.
 */
import { z } from 'zod';
import type { Clock } from '../clock';
import type { Outbox } from '../sync';
import type { ResourceRow } from './records';

export const STATUS_KIND = 'sessions.status';

const statusPayloadSchema = z.object({
  url: z.string().url(),
  body: z.object({
    systemId: z.string(),
    status: z.enum(['Available', 'Active', 'Maintenance']),
    activeBooking: z.string().nullable(),
    at: z.string(),
  }),
});

export function createStatusReports(deps: { outbox: Outbox; clock: Clock; url: string }) {
  const { outbox, clock, url } = deps;
  outbox.registerKind({
    kind: STATUS_KIND,
    request(payload) {
      const parsed = statusPayloadSchema.parse(payload);
      return { endpoint: parsed.url, body: JSON.stringify(parsed.body) };
    },
    onAcknowledged() {
      /* the resource's row holds the truth; the report only informs the cloud */
    },
    describe(payload) {
      const parsed = statusPayloadSchema.safeParse(payload);
      if (!parsed.success) return 'resource status (unreadable payload)';
      const b = parsed.data.body;
      return `resource ${b.systemId}: ${b.status}${b.activeBooking ? ` (session ${b.activeBooking})` : ''}`;
    },
  });

  return {
    /** Queues the resource's status as it is now; call inside the transaction that changed it. */
    report(resource: Pick<ResourceRow, 'id' | 'status' | 'active_session_id'>) {
      const payload = {
        url,
        body: { systemId: resource.id, status: resource.status, activeBooking: resource.active_session_id, at: clock.now().toISOString() },
      };
      const orderKey = `sessions:${resource.id}`;
      if (!outbox.coalesce(STATUS_KIND, orderKey, () => payload)) outbox.enqueue({ kind: STATUS_KIND, orderKey, payload });
    },
  };
}
