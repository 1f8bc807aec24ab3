/**
 * The hopper's payout procedure: one motor command, sent once and followed
 * through the hopper's counters. This is the driver's part of "never pay
 * twice, never lose a coin silently":
 *  - nothing is sent unless the event counter is the one the ledger recorded
 *    and no payout is running;
 *  - "dispense hopper coins" (167) goes out exactly once: never retried, even
 *    when the reply is lost (the hopper may be paying);
 *  - 'done', 'jam' or 'empty' only when the counters say so coherently (the
 *    event counter moved by exactly one); silence, a reset or numbers that do
 *    not add up are 'unknown', for the ledger to reconcile.
 */
import type { Clock } from '../../clock';
import type { ScopedLog } from '../../log';
import { errorMessage } from '../reconnecting-device';
import { dispenseNakAdvice } from './advice';
import { HopperCommandError } from './bus';
import { classifyPayoutFault, nextEventCounter, type HopperStatusReply } from './cctalk';

export type DispenseOutcome = 'done' | 'jam' | 'empty' | 'unknown' | 'refused' | 'state-changed';

export interface DispenseResult {
  /**
   * done: all coins paid. jam / empty: the hopper stopped and says how many it
   * paid. refused: nothing was paid (NAK, or the command was never sent).
   * state-changed: nothing was sent, the hopper is not in the state the caller
   * recorded. unknown: the outcome is not known (silence, reset, incoherent
   * counters): reconcile from readCounters() later, never pay again.
   */
  outcome: DispenseOutcome;
  /** Coins the hopper says it paid for this command; a lower bound when unknown. */
  paid: number;
  /** Coins the hopper says it did not pay; for unknown, the coins not known to be paid. */
  unpaid: number;
  /** The event counter last read coherently, null when none was read. */
  eventCounter: number | null;
  /** Whether 167 went out on the bus: false means no coin can have moved because of this call. */
  commandSent: boolean;
  /** What happened, in words for the log and the attendant. */
  detail: string;
}

/** The commands the procedure sends; each rejects with HopperCommandError when the hopper cannot tell. */
export interface HopperCommands {
  /** 166, tried twice. */
  readStatus(): Promise<HopperStatusReply>;
  /** 163 flags as names, tried twice. */
  readTestFlags(): Promise<string[]>;
  /** 242: the security bytes of the serial-number form of 167 (kept per connection). */
  readSerialNumber(): Promise<Buffer>;
  /** After a NAK: the hopper on the port may be another one, ask again next time. */
  forgetSerialNumber(): void;
  /** 164 with the enable code, tried twice. */
  enable(): Promise<void>;
  /** 167, sent once; the event counter in its reply, null when the reply carries none. */
  dispense(data: readonly number[]): Promise<number | null>;
  /** 172: halts a payout; resolves with the coins it left unpaid. */
  emergencyStop(): Promise<number>;
}

export interface DispenseProcedureDeps {
  commands: HopperCommands;
  /** Use the serial-number form of 167. */
  serialNumberDispense: boolean;
  /** Whether a port is open. */
  connected(): boolean;
  /** Whether the driver runs (stopped: a payout in progress ends as unknown). */
  running(): boolean;
  /** "the hopper is not connected (/dev/x)". */
  notConnected: string;
  /** Status polling during a payout. */
  pollIntervalMs: number;
  /** A payout whose counters do not move for this long is halted with an emergency stop. */
  stallTimeoutMs: number;
  /** Consecutive status polls without a usable reply before the outcome is unknown. */
  unansweredPollLimit: number;
  log: ScopedLog;
  clock: Clock;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Returns `dispenseOnce(coins, expectedEventCounter, onProgress)`: one command, its outcome; never re-sent. */
export function createDispenseProcedure(deps: DispenseProcedureDeps) {
  const { commands, log, clock, pollIntervalMs, stallTimeoutMs, unansweredPollLimit } = deps;

  const tryStatus = async (): Promise<HopperStatusReply | HopperCommandError> => {
    try {
      return await commands.readStatus();
    } catch (error) {
      if (error instanceof HopperCommandError) return error;
      throw error;
    }
  };

  async function dispenseOnce(coins: number, expectedEventCounter: number, onProgress: (paidSoFar: number) => void): Promise<DispenseResult> {
    const notSent = (outcome: 'refused' | 'state-changed', detail: string, eventCounter: number | null = null): DispenseResult => ({
      outcome,
      paid: 0,
      unpaid: coins,
      eventCounter,
      commandSent: false,
      detail,
    });

    if (!deps.connected()) return notSent('refused', `${deps.notConnected}; nothing was sent`);

    // 1. The state the ledger recorded must still be the hopper's state.
    const before = await tryStatus();
    if (before instanceof HopperCommandError) return notSent('refused', `${before.message}; nothing was sent`);
    if (before.eventCounter !== expectedEventCounter) {
      return notSent('state-changed', `event counter is ${before.eventCounter}, expected ${expectedEventCounter}; nothing was sent`, before.eventCounter);
    }
    if (before.coinsRemaining > 0) {
      return notSent('state-changed', `the hopper is still paying out ${before.coinsRemaining} coins of an earlier command; nothing was sent`, before.eventCounter);
    }

    // 2. Enable payout, and the security bytes of the serial-number form.
    let dispenseData: number[];
    try {
      dispenseData = deps.serialNumberDispense ? [...(await commands.readSerialNumber()), coins] : [coins];
      await commands.enable();
    } catch (error) {
      if (!(error instanceof HopperCommandError)) throw error;
      return notSent('refused', `${error.message}; nothing was sent`, before.eventCounter);
    }

    // 3. The motor command: once, whatever happens to its reply.
    const expectedAfter = nextEventCounter(expectedEventCounter);
    let acknowledged = false;
    try {
      const counterInReply = await commands.dispense(dispenseData);
      if (counterInReply !== null && counterInReply !== expectedAfter) {
        return unknown(`the hopper accepted the dispense with event counter ${counterInReply}, expected ${expectedAfter}`, 0, null);
      }
      acknowledged = true;
    } catch (error) {
      if (!(error instanceof HopperCommandError)) throw error;
      if (error.problem === 'refused') {
        // A wrong serial number is one reason for a NAK (another hopper on the same port): ask again next time.
        commands.forgetSerialNumber();
        // A NAK is an answer; the counter confirms that nothing started.
        const after = await tryStatus();
        if (after instanceof HopperCommandError || after.eventCounter === expectedEventCounter) {
          // BUSY is a passing state; a NAK to a command the hopper was just enabled for is almost always the wrong form.
          const detail = /NAK/.test(error.message) ? `${dispenseNakAdvice(deps.serialNumberDispense)} (${error.message})` : error.message;
          return { outcome: 'refused', paid: 0, unpaid: coins, eventCounter: expectedEventCounter, commandSent: true, detail };
        }
        return unknown(`${error.message}, yet the event counter moved to ${after.eventCounter}`, 0, after.eventCounter);
      }
      // Silence or a damaged reply: the hopper may be paying. Watch the counters, never re-send.
      log.warn(`${error.message}; following the hopper's counters to learn whether it started`);
    }

    // 4. Follow the payout through the counters.
    return followPayout(coins, expectedEventCounter, expectedAfter, acknowledged, onProgress);

    function unknown(detail: string, paid: number, eventCounter: number | null): DispenseResult {
      return { outcome: 'unknown', paid, unpaid: coins - paid, eventCounter, commandSent: true, detail };
    }
  }

  async function followPayout(
    coins: number,
    expectedBefore: number,
    expectedAfter: number,
    acknowledged: boolean,
    onProgress: (paidSoFar: number) => void,
  ): Promise<DispenseResult> {
    let paidSoFar = 0;
    let unansweredPolls = 0;
    let lastChangeMs = clock.monotonicMs();
    let lastSeen = '';
    /** Set once a status showed the event counter our command produced: after that, any other counter is a reset or a jump. */
    let countersShowedCommand = false;
    const unknown = (detail: string, eventCounter: number | null): DispenseResult => ({
      outcome: 'unknown',
      paid: paidSoFar,
      unpaid: coins - paidSoFar,
      eventCounter,
      commandSent: true,
      detail: `${detail}; ${paidSoFar} of ${coins} coins seen paid`,
    });

    /** A payout that ended by itself (or by an emergency stop), judged from its final counters. */
    const ended = async (status: HopperStatusReply): Promise<DispenseResult> => {
      if (status.lastPaid + status.lastUnpaid !== coins) {
        return unknown(`the hopper ended the payout with ${status.lastPaid} paid and ${status.lastUnpaid} unpaid for a command of ${coins}`, status.eventCounter);
      }
      if (status.lastUnpaid === 0) {
        return { outcome: 'done', paid: coins, unpaid: 0, eventCounter: status.eventCounter, commandSent: true, detail: `paid ${coins} coins` };
      }
      let flags: string[] = [];
      try {
        flags = await commands.readTestFlags();
      } catch (error) {
        log.warn(`cannot read the hopper's fault flags: ${errorMessage(error)}`);
      }
      const outcome = classifyPayoutFault(flags);
      return {
        outcome,
        paid: status.lastPaid,
        unpaid: status.lastUnpaid,
        eventCounter: status.eventCounter,
        commandSent: true,
        detail: `${outcome === 'empty' ? 'the hopper ran empty' : 'the hopper jammed'} after ${status.lastPaid} of ${coins} coins${flags.length ? ` (${flags.join(', ')})` : ''}`,
      };
    };

    for (;;) {
      await sleep(pollIntervalMs);
      const status = await tryStatus();
      if (status instanceof HopperCommandError) {
        if (status.problem === 'not-connected' && !deps.running()) return unknown('the driver was stopped during the payout', null);
        unansweredPolls++;
        if (unansweredPolls >= unansweredPollLimit) return unknown(`the hopper stopped answering (${status.message})`, null);
        continue;
      }
      unansweredPolls = 0;

      if (status.eventCounter !== expectedAfter) {
        if (!countersShowedCommand && status.eventCounter === expectedBefore) {
          // The counter never moved: the command did not arrive or was ignored
          // (or, from 0, the hopper was reset at once: the ledger's lifetime check tells).
          return unknown(
            acknowledged
              ? 'the hopper acknowledged the dispense but its event counter did not move'
              : 'no reply to the dispense and the event counter did not move: it was probably not received',
            status.eventCounter,
          );
        }
        return unknown(
          status.eventCounter === 0
            ? 'the hopper was reset during the payout (power cut?): its volatile counters are gone'
            : `the event counter jumped to ${status.eventCounter}, expected ${expectedAfter}`,
          status.eventCounter,
        );
      }
      countersShowedCommand = true;
      if (status.lastPaid < paidSoFar) return unknown(`the hopper's paid count went back from ${paidSoFar} to ${status.lastPaid}`, status.eventCounter);
      if (status.lastPaid + status.coinsRemaining + status.lastUnpaid !== coins) {
        return unknown(
          `the counters do not add up to the command of ${coins}: paid ${status.lastPaid}, remaining ${status.coinsRemaining}, unpaid ${status.lastUnpaid}`,
          status.eventCounter,
        );
      }
      if (status.lastPaid > paidSoFar) {
        paidSoFar = status.lastPaid;
        try {
          onProgress(paidSoFar);
        } catch (error) {
          log.error('hopper progress listener failed:', error);
        }
      }
      if (status.coinsRemaining === 0) return ended(status);

      const seen = `${status.lastPaid}/${status.coinsRemaining}`;
      if (seen !== lastSeen) {
        lastSeen = seen;
        lastChangeMs = clock.monotonicMs();
      } else if (clock.monotonicMs() - lastChangeMs >= stallTimeoutMs) {
        // The hopper reports a payout that no longer moves: halt the motor, then read where it stopped.
        log.warn(`payout stalled at ${status.lastPaid} of ${coins} coins for ${stallTimeoutMs} ms: emergency stop`);
        try {
          await commands.emergencyStop();
        } catch (error) {
          return unknown(`the payout stalled and the emergency stop failed (${errorMessage(error)})`, status.eventCounter);
        }
        const stopped = await tryStatus();
        if (stopped instanceof HopperCommandError) return unknown(`the payout stalled; no status after the emergency stop (${stopped.message})`, status.eventCounter);
        if (stopped.eventCounter !== expectedAfter || stopped.coinsRemaining !== 0 || stopped.lastPaid < paidSoFar) {
          return unknown('the payout stalled and the counters after the emergency stop are not coherent', stopped.eventCounter);
        }
        paidSoFar = stopped.lastPaid;
        const result = await ended(stopped);
        // A stall is a jam whatever the flags say: coins were left in the hopper.
        return result.outcome === 'empty' || result.outcome === 'done' ? result : { ...result, outcome: 'jam' };
      }
    }
  }

  return dispenseOnce;
}
