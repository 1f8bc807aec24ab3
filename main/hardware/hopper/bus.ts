/**
 * The ccTalk bus as the kiosk drives it: one command at a time, its reply
 * read from the bytes of the current port (our own echo skipped on the single
 * wire), a timeout per try, and a late reply never taken as the answer to the
 * next command. Silence, a bad checksum or a malformed reply is never a number.
 */
import { errorMessage } from '../reconnecting-device';
import { CcTalkReplyError, createReplyReader, encodeFrame, replyData, type CcTalkFrame } from './cctalk';
import type { HopperPort } from './serial-port';

export type HopperCommandProblem = 'not-connected' | 'no-reply' | 'malformed' | 'refused';

/** A command that got no trustworthy answer; never carries a number. */
export class HopperCommandError extends Error {
  constructor(
    readonly problem: HopperCommandProblem,
    message: string,
  ) {
    super(message);
    this.name = 'HopperCommandError';
  }
}

export interface HopperDiagnostics {
  echoes: number;
  replies: number;
  badChecksums: number;
  garbageBytes: number;
  /** Tries that ended without a usable reply (timeout, bad checksum, malformed). */
  unanswered: number;
  /** Valid replies that arrived while no command waited (late answers), dropped. */
  unsolicited: number;
}

export interface CcTalkBusOptions {
  /** ccTalk address of the hopper. */
  address: number;
  /** ccTalk address of the kiosk. */
  hostAddress: number;
  /** How long one try waits for a reply. */
  replyTimeoutMs: number;
  /** The open port; null while not connected. */
  port(): HopperPort | null;
  /** What a command says when no port is open, e.g. "the hopper is not connected (/dev/x)". */
  notConnected: string;
  /** After each command: null when it got a usable answer, else what went wrong (for the status). */
  onCommunication(problem: string | null): void;
}

export interface CcTalkBus {
  /** Bytes of the current port. */
  receive(chunk: Buffer): void;
  /** A new port: what the reader holds belongs to the old one. */
  reset(): void;
  /** The port is gone: the try waiting for its reply ends without one. */
  abandon(reason: string): void;
  /**
   * One command with its reply parsed. `retryOnce`: a second try after
   * silence, a bad checksum or a malformed reply (only for commands that are
   * safe to repeat). A NAK or BUSY is an answer and is never retried.
   * Rejects with HopperCommandError.
   */
  request<T>(label: string, header: number, data: readonly number[], parse: (data: Buffer) => T, retryOnce: boolean): Promise<T>;
  diagnostics(): HopperDiagnostics;
}

type TryResult = { kind: 'reply'; frame: CcTalkFrame } | { kind: 'no-reply'; reason: string };

interface PendingTry {
  settle(result: TryResult): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createCcTalkBus(options: CcTalkBusOptions): CcTalkBus {
  const { address, hostAddress, replyTimeoutMs, port } = options;
  const reader = createReplyReader({ hostAddress, deviceAddress: address });
  let pending: PendingTry | null = null;
  /**
   * Set when a try ended without its reply: the reply may still be on its
   * way. The next command waits one reply time and drops what arrived, so a
   * late ACK can never be read as the answer to the next command.
   */
  let busMayHaveLateReply = false;
  let unansweredTries = 0;
  let unsolicitedReplies = 0;

  function receive(chunk: Buffer): void {
    for (const event of reader.push(chunk)) {
      if (event.kind === 'reply') {
        if (pending) pending.settle({ kind: 'reply', frame: event.frame });
        else unsolicitedReplies++;
      } else if (event.kind === 'bad-checksum') {
        // The hopper's answer was damaged: for this try it is silence, never a number.
        pending?.settle({ kind: 'no-reply', reason: 'a reply with a bad checksum' });
      }
    }
  }

  let busTail: Promise<unknown> = Promise.resolve();
  const onBus = <T>(work: () => Promise<T>): Promise<T> => {
    const run = busTail.then(work, work);
    busTail = run.catch(() => undefined);
    return run;
  };

  async function sendOnce(header: number, data: readonly number[]): Promise<TryResult> {
    if (busMayHaveLateReply) {
      await sleep(replyTimeoutMs);
      busMayHaveLateReply = false;
    }
    const openNow = port();
    if (!openNow) return { kind: 'no-reply', reason: 'the hopper is not connected' };
    reader.reset(); // whatever arrived between commands answers nothing we asked
    const frame = encodeFrame({ destination: address, source: hostAddress, header, data });
    reader.expectEcho(frame);
    return new Promise<TryResult>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const entry: PendingTry = {
        settle(result) {
          if (pending !== entry) return;
          pending = null;
          if (timer) clearTimeout(timer);
          if (result.kind === 'no-reply') {
            busMayHaveLateReply = true;
            unansweredTries++;
          }
          resolve(result);
        },
      };
      pending = entry;
      openNow.write(frame).then(
        () => {
          if (pending === entry) timer = setTimeout(() => entry.settle({ kind: 'no-reply', reason: `no reply within ${replyTimeoutMs} ms` }), replyTimeoutMs);
        },
        (error: unknown) => entry.settle({ kind: 'no-reply', reason: `write failed: ${errorMessage(error)}` }),
      );
    });
  }

  function request<T>(label: string, header: number, data: readonly number[], parse: (data: Buffer) => T, retryOnce: boolean): Promise<T> {
    return onBus(async () => {
      let lastProblem: HopperCommandError | null = null;
      for (let attempt = 0; attempt < (retryOnce ? 2 : 1); attempt++) {
        if (!port()) throw new HopperCommandError('not-connected', options.notConnected);
        const result = await sendOnce(header, data);
        if (result.kind === 'no-reply') {
          lastProblem = new HopperCommandError(port() ? 'no-reply' : 'not-connected', `${label}: ${result.reason}`);
          continue;
        }
        try {
          const parsed = parse(replyData(result.frame));
          options.onCommunication(null);
          return parsed;
        } catch (error) {
          if (error instanceof CcTalkReplyError && (error.problem === 'nak' || error.problem === 'busy')) {
            throw new HopperCommandError('refused', `${label}: ${error.message}`);
          }
          lastProblem = new HopperCommandError('malformed', `${label}: ${errorMessage(error)}`);
          busMayHaveLateReply = true;
        }
      }
      const problem = lastProblem ?? new HopperCommandError('no-reply', `${label}: no reply`);
      options.onCommunication(problem.message);
      throw problem;
    });
  }

  return {
    receive,
    reset: () => reader.reset(),
    abandon: (reason) => pending?.settle({ kind: 'no-reply', reason }),
    request,
    diagnostics: () => ({ ...reader.counts, unanswered: unansweredTries, unsolicited: unsolicitedReplies }),
  };
}
