/**
 * One request for an outbox item, and what its answer means: acknowledged
 * (2xx), permanent (another 4xx: the item goes dead) or transient (network
 * errors, timeouts, 408, 429, 5xx: sent again later, with the Retry-After the
 * server asked for). A request the stall watch gave up is sent again.
 */
import type { CodedReason } from '../../preload/contract';
import type { Clock } from '../clock';
import { CloudNetworkError, readTextCapped, type CloudClient } from '../cloud';
import { crashPoint } from '../crash-points';
import { classifyStatus, parseRetryAfter } from './backoff';
import type { OutboxItem, OutboxKind } from './outbox-store';
import type { Flight, StallWatch } from './stall';

/** How much of an answer's body is read (only a refusal's excerpt is kept). */
const MAX_BODY_BYTES = 64 * 1024;

/** What came back for one item that was sent. */
export type SendResult =
  | { outcome: 'acknowledged' }
  /** `error` in English (stored with the item, logged); `reason` the same for the screen's language. */
  | { outcome: 'permanent'; error: string; reason: CodedReason }
  /** `resendAfterMs`: the kiosk gave the request up itself; send it again then, without backoff. */
  | { outcome: 'transient'; error: string; reason: CodedReason; retryAfterMs: number | null; resendAfterMs?: number };

/**
 * Why a stored item is dead or waiting, for the screen's language, from the
 * English its row keeps (this file and the pump write it; rows of older
 * kiosks read the same): the server's status with its words beneath, an item
 * that cannot be encoded or has no sender. Anything else: null (shown as it is).
 */
export function storedErrorReason(stored: string | null): CodedReason | null {
  if (stored === null) return null;
  let m: RegExpExecArray | null;
  if ((m = /^HTTP (\d{3})(?:: ([\s\S]*))?$/.exec(stored))) {
    const status = Number(m[1]);
    const detail: Record<string, string> = m[2] ? { detail: m[2] } : {};
    return { code: status >= 400 && status < 500 && status !== 408 && status !== 429 ? 'upload-refused' : 'upload-server-error', params: { status, ...detail } };
  }
  if ((m = /^cannot be encoded: ([\s\S]*)$/.exec(stored))) return { code: 'upload-unencodable', params: { detail: m[1]! } };
  if ((m = /^no sender for kind (.*)$/.exec(stored))) return { code: 'upload-no-sender', params: { kind: m[1]! } };
  return null;
}

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
    // Read to its end when small (the connection is kept), never past the cap: a server gone wrong may send a body without end.
    const text = await readTextCapped(response, MAX_BODY_BYTES).catch(() => '');
    const verdict = classifyStatus(response.status);
    if (verdict === 'acknowledged') return { outcome: 'acknowledged' };
    const excerpt = text.slice(0, 200);
    const error = `HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`;
    const params = { status: response.status, ...(excerpt ? { detail: excerpt } : {}) };
    if (verdict === 'permanent') return { outcome: 'permanent', error, reason: { code: 'upload-refused', params } };
    return { outcome: 'transient', error, reason: { code: 'upload-server-error', params }, retryAfterMs };
  } catch (error) {
    if (error instanceof CloudNetworkError) return { outcome: 'transient', error: error.message, reason: error.reason, retryAfterMs: null };
    const message = `request failed: ${(error as Error).message}`;
    return { outcome: 'transient', error: message, reason: { code: 'net-unreachable', params: { endpoint: sending.request.endpoint, detail: (error as Error).message } }, retryAfterMs: null };
  }
}

/** Sends one marked item once; a request the stall watch gave up comes back to be sent again. */
export async function send(deps: SendDeps, sending: Sending, flight: Flight): Promise<Sent> {
  const result = await sendOnce(deps, sending, flight);
  const givenUp = flight.givenUp;
  if (givenUp && result.outcome === 'transient') {
    return {
      ...sending,
      result: { outcome: 'transient', error: givenUp.why, reason: { code: 'upload-no-answer', params: { detail: givenUp.why } }, retryAfterMs: null, resendAfterMs: givenUp.resendAfterMs },
    };
  }
  return { ...sending, result };
}
