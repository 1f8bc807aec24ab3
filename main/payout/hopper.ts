/**
 * What the payout ledger needs from a coin hopper. The ccTalk driver in
 * main/hardware implements it; tests may give a fake.
 */
import type { HopperErrorKind } from '../../preload/contract';
import type { HopperCounters } from './money';

export type DispenseOutcome = 'done' | 'jam' | 'empty' | 'unknown' | 'refused' | 'state-changed';

export interface DispenseResult {
  outcome: DispenseOutcome;
  /** Coins the hopper says it paid for this command (0 when refused; a lower bound when unknown). */
  paid: number;
  unpaid: number;
  /** What happened, in words for the attendant (the ccTalk driver says why a command was refused). */
  detail?: string;
}

export interface HopperDeviceStatus {
  connected: boolean;
  path: string | null;
  lastError: string | null;
  /** Absent: the screen shows lastError alone. */
  lastErrorKind?: HopperErrorKind | null;
}

export interface PayoutHopper {
  start(): void;
  stop(): Promise<void>;
  status(): HopperDeviceStatus;
  /** Reads the counters (status + lifetime). Rejects when the hopper does not answer. */
  readCounters(): Promise<HopperCounters>;
  /**
   * One motor command. Reads the status first and refuses ('state-changed')
   * when the event counter is not `expectedEventCounter`; never re-sends.
   */
  dispense(coins: number, options: { expectedEventCounter: number }, onProgress?: (paidSoFar: number) => void): Promise<DispenseResult>;
}
