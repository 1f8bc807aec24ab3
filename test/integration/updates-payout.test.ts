/**
 * The real payout module's busy() holds a staged release (issue 11, "installs
 * only when idle"): the payout kiosk through the real ccTalk driver on a socat
 * pty with the hopper simulator, the payout API over real HTTP, a release
 * from a local HTTPS update host. While a customer's payout is on screen,
 * while coins move, and while a payout is owed to a customer, nothing
 * installs, even inside the maintenance window; once all is settled and
 * reported, the release installs once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PayoutSession, UpdatesStatus } from '../../preload/contract';
import { startCloudSim } from '../cloud-sim/server';
import { payoutKioskOnPty, until } from '../support/payout';
import { sha512Base64, signedManifest, testKey, testRelease } from '../support/releases';
import { tempDir } from '../support/temp';
import { startUpdateServer } from '../support/update-server';

const key = testKey();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('updates and the real payout module', () => {
  it('hold the install while a payout is on screen, running, or owed; install once it is settled', async () => {
    const update = await startUpdateServer();
    cleanups.push(() => update.close());
    const file = Buffer.alloc(40_000, 9);
    // The kiosk runs on the real clock here: a release valid for long.
    const release = testRelease({ version: '0.3.0', size: file.length, sha512: sha512Base64(file), releasedAt: '2026-01-10T00:00:00.000Z', expiresAt: '2099-01-01T00:00:00.000Z' }, file);
    update.routes.set('/updates/stable/arm64/manifest.json', { kind: 'file', body: signedManifest(release, [key]) });
    update.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'file', body: file });
    const cloud = await startCloudSim();
    cleanups.push(() => cloud.close());
    const installs: string[] = [];
    const k = await payoutKioskOnPty(
      tempDir(),
      cloud,
      // Always inside the maintenance window: only busy() and the queue may hold it.
      { updates: { baseUrl: update.baseUrl, maintenanceWindow: { start: '00:00', end: '00:00' } } },
      { payMs: 40, countersRestartOnPowerUp: true },
      { updates: { pinnedKeys: [key.pinned], ca: update.ca, arch: 'arm64', install: (staged) => void installs.push(staged.version) } },
    );
    cleanups.push(k.close);
    const updates = () => k.invoke<UpdatesStatus>('updates:status');
    await k.kiosk.runJob('updates.check');
    await until('release staged', async () => (await updates()).staged?.version === '0.3.0');
    /** The install job's try: what held it (the module's words), and whether it installed. */
    const tryInstall = async () => {
      await k.kiosk.runJob('updates.install');
      return { installed: installs.length, busy: (await updates()).blockers.filter((b) => b.code === 'busy').map((b) => b.detail) };
    };
    const sessionIn = (state: PayoutSession['state']) =>
      until(`session ${state}`, async () => {
        const s = (await k.status()).session;
        return s?.state === state ? s : null;
      }, 15_000);

    // A customer chose an amount: the payment QR is on screen.
    const session = await k.start(5);
    expect(await tryInstall()).toEqual({ installed: 0, busy: [`a customer's payout is on screen (${session.reference})`] });

    // Paid: coins are moving.
    cloud.payout.pay(session.transactionId);
    await k.device.untilPaid(3);
    const moving = await tryInstall();
    expect(moving.installed).toBe(0);
    expect(moving.busy).toContain('a payout is running or being counted');

    // The hopper loses power mid-payout: the rest is owed to the customer until the attendant settles it.
    k.device.powerCut({ offMs: 300 });
    await sessionIn('partial');
    const owed = await tryInstall();
    expect(owed.installed).toBe(0);
    expect(owed.busy).toContain('1 payout(s) owed, waiting for the attendant');

    // The attendant counts by hand and pays the rest: nothing owed, reports sent, the release installs, once.
    await k.invoke('admin:unlock', { pin: '2468' });
    await k.invoke('payout:record-hand-count', { transactionId: session.transactionId, coins: k.device.coinsPaidTotal });
    expect(await k.invoke('payout:pay-owed', { transactionId: session.transactionId })).toEqual([]);
    await k.reportsSent();
    expect(await tryInstall()).toEqual({ installed: 1, busy: [] });
    expect(installs).toEqual(['0.3.0']);
    await k.kiosk.runJob('updates.install');
    expect(installs).toEqual(['0.3.0']);
  });
});
