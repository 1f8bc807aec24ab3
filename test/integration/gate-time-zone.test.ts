/**
 * A ticket server that dates tickets in another time zone than the kiosk's
 * `timeZone` (issue 9, item 15): after a download the attendant is warned on
 * the gate page and in the overview, the warning survives a restart, and it
 * goes once the dates fit again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AdminOverview, GateAdminSummary } from '../../preload/contract';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { gateKiosk, ref } from '../support/gate';
import { tempDir } from '../support/temp';

const sims: CloudSim[] = [];
afterEach(async () => {
  while (sims.length) await sims.pop()!.close();
});

/** 30 tickets as a server in Amsterdam writes them for its today. */
async function amsterdamServer(date: string) {
  const s = await startCloudSim({
    tickets: Array.from({ length: 30 }, (_, i) => ({ bookingDate: date, referenceNo: ref(i + 1, date), attractions: { A: { pax: 2, used: 0 } } })),
  });
  sims.push(s);
  return s;
}

// 18:00 UTC: 19:00 on 15 January in Amsterdam, already 01:00 on 16 January in Jakarta.
const EVENING_IN_EUROPE = new Date('2026-01-15T18:00:00Z');

describe('gate: ticket dates that suggest another time zone', () => {
  it('warn the attendant on the gate page and in the overview, after a restart too, until the dates fit', async () => {
    const cloud = await amsterdamServer('2026-01-15');
    const dir = tempDir();
    const g = await gateKiosk(dir, cloud); // timeZone Asia/Jakarta, the default
    g.clock.setWall(EVENING_IN_EUROPE);
    await g.sync();
    // What the customer meets: every ticket is "wrong day".
    expect(await g.scan(ref(1, '2026-01-15'))).toMatchObject({ kind: 'wrong-day', bookingDate: '2026-01-15', today: '2026-01-16' });
    await g.unlock();
    const hint = {
      timeZone: 'Asia/Jakarta',
      today: '2026-01-16',
      direction: 'yesterday',
      date: '2026-01-15',
      tickets: 30,
      todayTickets: 0,
      around: 30,
      checkedAt: EVENING_IN_EUROPE.toISOString(),
    };
    expect((await g.invoke<GateAdminSummary>('gate:admin-summary')).timeZoneHint).toEqual(hint);
    expect((await g.invoke<AdminOverview>('admin:overview')).warnings).toEqual([{ kind: 'gate.time-zone', hint }]);
    expect(g.log.lines.filter((l) => /dated yesterday \(2026-01-15\) in Asia\/Jakarta/.test(l))).toHaveLength(1);
    await g.kiosk.stop();

    // Kept across a restart (only the next download decides again; the cloud is down meanwhile).
    cloud.set({ down: true });
    const again = await gateKiosk(dir, cloud);
    await again.sync();
    await again.unlock();
    expect((await again.invoke<GateAdminSummary>('gate:admin-summary')).timeZoneHint).toEqual(hint);
    // The server's new day: its tickets are dated the kiosk's today, and the warning goes.
    cloud.set({ down: false });
    cloud.tickets.clear();
    cloud.tickets.generate({ count: 30, date: '2026-01-16' });
    again.clock.setWall(new Date('2026-01-16T02:00:00Z'));
    await again.sync();
    expect((await again.invoke<GateAdminSummary>('gate:admin-summary')).timeZoneHint).toBeNull();
    expect((await again.invoke<AdminOverview>('admin:overview')).warnings).toEqual([]);
    await again.kiosk.stop();
  });

  it('stay quiet for a kiosk set to the server\'s zone, and for a server dating tickets today and ahead', async () => {
    const cloud = await amsterdamServer('2026-01-15');
    const amsterdam = await gateKiosk(tempDir(), cloud, { timeZone: 'Europe/Amsterdam' });
    amsterdam.clock.setWall(EVENING_IN_EUROPE);
    await amsterdam.sync();
    expect(await amsterdam.scan(ref(1, '2026-01-15'))).toMatchObject({ kind: 'valid' });
    await amsterdam.unlock();
    expect((await amsterdam.invoke<GateAdminSummary>('gate:admin-summary')).timeZoneHint).toBeNull();
    await amsterdam.kiosk.stop();

    // Jakarta's morning: today's tickets and tomorrow's pre-sales.
    cloud.tickets.generate({ count: 25, date: '2026-01-16', firstNumber: 100 });
    const jakarta = await gateKiosk(tempDir(), cloud);
    jakarta.clock.setWall(new Date('2026-01-15T03:00:00Z'));
    await jakarta.sync();
    await jakarta.unlock();
    expect((await jakarta.invoke<GateAdminSummary>('gate:admin-summary')).timeZoneHint).toBeNull();
    await jakarta.kiosk.stop();
  });
});
