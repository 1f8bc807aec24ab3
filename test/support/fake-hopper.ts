/**
 * An in-process coin hopper with ccTalk's counters (event counter, last
 * paid/unpaid, lifetime) and faults, for fast payout tests. The ccTalk driver
 * against the pty simulator is tested separately (hopper-* tests).
 */
import type { HopperCounters } from '../../main/payout/money';
import type { DispenseResult, HopperDeviceStatus, PayoutHopper } from '../../main/payout/hopper';

export class FakeHopper implements PayoutHopper {
  level = 10_000;
  eventCounter = 0;
  lifetime = 0;
  lastPaid = 0;
  lastUnpaid = 0;
  connected = true;
  silent = false;
  /** Coins that physically left the hopper. */
  coinsOut = 0;
  /** Every dispense command that reached the motor. */
  commands: number[] = [];
  private jamAfterCoins: number | null = null;
  private powerCutAfterCoins: number | null = null;

  start(): void {}
  async stop(): Promise<void> {}
  status(): HopperDeviceStatus {
    return { connected: this.connected && !this.silent, path: '/dev/fake-hopper', lastError: this.silent ? 'no answer' : null };
  }

  jamAfter(coins: number | null) {
    this.jamAfterCoins = coins;
  }
  /** The next payout loses power after `coins`: volatile counters reset, the hopper goes silent until `powerBack()`. */
  powerCutAfter(coins: number) {
    this.powerCutAfterCoins = coins;
  }
  powerBack() {
    this.silent = false;
  }

  async readCounters(): Promise<HopperCounters> {
    if (this.silent) throw new Error('no answer');
    return { eventCounter: this.eventCounter, coinsRemaining: 0, lastPaid: this.lastPaid, lastUnpaid: this.lastUnpaid, lifetime: this.lifetime };
  }

  async dispense(coins: number, options: { expectedEventCounter: number }, onProgress?: (paid: number) => void): Promise<DispenseResult> {
    if (this.silent) return { outcome: 'unknown', paid: 0, unpaid: coins };
    if (options.expectedEventCounter !== this.eventCounter) return { outcome: 'state-changed', paid: 0, unpaid: coins };
    if (coins < 1 || coins > 255) throw new Error(`dispense of ${coins} refused before sending`);
    this.commands.push(coins);
    this.eventCounter = this.eventCounter >= 255 ? 1 : this.eventCounter + 1;
    this.lastPaid = 0;
    this.lastUnpaid = coins;
    for (let i = 0; i < coins; i++) {
      if (this.powerCutAfterCoins !== null && this.lastPaid >= this.powerCutAfterCoins) {
        this.powerCutAfterCoins = null;
        this.eventCounter = 0;
        this.lastPaid = 0;
        this.lastUnpaid = 0;
        this.silent = true;
        return { outcome: 'unknown', paid: 0, unpaid: coins };
      }
      if ((this.jamAfterCoins !== null && this.lastPaid >= this.jamAfterCoins) || this.level === 0) {
        return { outcome: this.level === 0 ? 'empty' : 'jam', paid: this.lastPaid, unpaid: this.lastUnpaid };
      }
      await new Promise((r) => setImmediate(r));
      this.level--;
      this.coinsOut++;
      this.lifetime++;
      this.lastPaid++;
      this.lastUnpaid--;
      onProgress?.(this.lastPaid);
    }
    return { outcome: 'done', paid: this.lastPaid, unpaid: 0 };
  }
}
