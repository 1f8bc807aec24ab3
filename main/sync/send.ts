/**
 * One request for an outbox item, and what its answer means: acknowledged
 * (2xx), permanent (another 4xx: the item goes dead) or transient (network
 * errors, timeouts, 408, 429, 5xx: sent again later, with the Retry-After the
 * server asked for). A request the stall watch gave up is sent again.
 */
import type { Clock } from '../clock';
import { CloudNetworkError, type CloudClient } from '../cloud';
import { crashPoint } from '../crash-points';
import { classifyStatus, parseRetryAfter } from './backoff';
import type { OutboxItem, OutboxKind } from './outbox-store';
import type { Flight, StallWatch } from './stall';

/** What came back for one item that was sent. */
export type SendResult =
  | { outcome: 'acknowledged' }
  | { outcome: 'permanent'; error: string }
  /** `resendAfterMs`: the kiosk gave the request up itself; send it again then, without backoff. */
  | { outcome: 'transient'; error: string; retryAfterMs: number | null; resendAfterMs?: number };

/** An item marked as attempted (durably, before its request leaves) and its request. */
export interface Sending {
  item: OutboxItem;
  kind: OutboxKind;
  /** Attempts including this one. */
  attempts: number;
  request: { endpoint: string; body: string };
}

export interface Sent extends Sending {
  result: SendResult;
}


export interface SendDeps {
  cloud: CloudClient;
  clock: Clock;
  stall: StallWatch;
}

/** One request for a marked item; never throws. Its answer (any HTTP status) goes to the stall watch. */
async function sendOnce({ cloud, clock, stall }: SendDeps, sending: Sending, flight: Flight): Promise<SendResult> {
  const { item, request } = sending;
  try {
    crashPoint('outbox.before-send');
    const response = await cloud.request(request.endpoint, {
      method: 'POST',
      body: request.body,
      idempotencyKey: item.idempotencyKey,
      signal: flight.controller.signal,
    });
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), clock.now().getTime());
    stall.answered(flight, classifyStatus(response.status) === 'transient' ? retryAfterMs : null);
    crashPoint('outbox.after-response');
    const text = await response.text().catch(() => '');
    const verdict = classifyStatus(response.status);
    if (verdict === 'acknowledged') return { outcome: 'acknowledged' };
    const error = `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    if (verdict === 'permanent') return { outcome: 'permanent', error };
    return { outcome: 'transient', error, retryAfterMs };
  } catch (error) {
    const message = error instanceof CloudNetworkError ? error.message : `request failed: ${(error as Error).message}`;
    return { outcome: 'transient', error: message, retryAfterMs: null };
  }
}

/** Sends one marked item once; a request the stall watch gave up comes back to be sent again. */
export async function send(deps: SendDeps, sending: Sending, flight: Flight): Promise<Sent> {
  const result = await sendOnce(deps, sending, flight);
  const givenUp = flight.givenUp;
  if (givenUp && result.outcome === 'transient') {
    return { ...sending, result: { outcome: 'transient', error: givenUp.why, retryAfterMs: null, resendAfterMs: givenUp.resendAfterMs } };
  }
  return { ...sending, result };
}
