/** A sports venue kiosk (the bookings module) on the booking-platform simulator, for the integration tests. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hashPin, type BoothConfigInput } from '../../main/config';
import { manualClock } from '../../main/clock';
import type { KioskOptions } from '../../main/kiosk';
import type { Platform } from '../../main/platform';
import type { BookingSim } from '../cloud-sim/bookings';
import { testKiosk } from './kiosk';

const pinHash = await hashPin('2468', { N: 1024, r: 8, p: 1 });

/** 10:00 in Jakarta (UTC+7) on 2026-01-15: the venue's "now" unless a test says otherwise. */
export const VENUE_NOW = new Date('2026-01-15T03:00:00Z');
export const TODAY = '2026-01-15';

export const booking = (n: number, patch: Record<string, unknown> = {}) => ({
  booking_id: `BK-${String(n).padStart(6, '0')}`,
  order_detail_id: 700 + n,
  field_id: 1,
  date: TODAY,
  start_time: '08:00:00',
  end_time: '09:00:00',
  status: 'success',
  field_name: 'Lapangan A',
  user_name: `Player ${n}`,
  user_phone: '081234567890',
  ...patch,
});

export async function venue(dir: string, sim: BookingSim, patch: BoothConfigInput = {}, options: Partial<KioskOptions> & { now?: Date; platform?: Partial<Platform> } = {}) {
  const clock = manualClock(options.now ?? VENUE_NOW);
  const t = await testKiosk(
    dir,
    {
      kioskName: 'Venue',
      modules: ['bookings'],
      timeZone: 'Asia/Jakarta',
      admin: { pinHash, idleTimeoutSeconds: 3600 },
      services: { probeIntervalSeconds: 3600 },
      ...patch,
      bookings: { baseUrl: sim.baseUrl, diskFloorMb: 0, endGraceSeconds: 0, ...patch.bookings },
    },
    { fetch: (input, init) => fetch(input, init), clock, ...options.platform },
    options,
  );
  const invoke = async <T>(name: Parameters<typeof t.kiosk.handlers.invoke>[0], args: unknown = {}): Promise<T> => {
    const result = await t.kiosk.handlers.invoke(name, args);
    if (!result.ok) throw Object.assign(new Error(`${String(name)}: ${result.error.message}`), { error: result.error });
    return result.value as T;
  };
  const db = t.kiosk.store.db;
  return {
    ...t,
    clock,
    invoke,
    db,
    bookingRow: (id: string) => db.prepare('SELECT * FROM bookings WHERE booking_id = ?').get(id) as Record<string, unknown> | undefined,
    videos: (bookingId: string) => db.prepare('SELECT * FROM booking_videos WHERE booking_id = ? ORDER BY camera, created_at').all(bookingId) as Record<string, unknown>[],
    tasks: () => db.prepare('SELECT * FROM pipeline_tasks ORDER BY id').all() as Record<string, unknown>[],
    sync: () => t.kiosk.runJob('bookings.sync'),
  };
}

export const waitFor = async (what: string, check: () => boolean, ms = 5_000) => {
  const until = performance.now() + ms;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** Segments of `seconds` each from venue time 08:00:00, named by their start (Asia/Jakarta). */
export function recordCamera(folder: string, count: number, seconds: number, noisy = false) {
  fs.mkdirSync(folder, { recursive: true });
  for (let i = 0; i < count; i++) {
    const s = 8 * 3600 + i * seconds;
    const name = `2026-01-15_${String(Math.floor(s / 3600)).padStart(2, '0')}-${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}-${String(s % 60).padStart(2, '0')}.mp4`;
    const source = noisy ? 'color=size=640x360:rate=25,noise=alls=100:allf=t' : 'testsrc=size=320x240:rate=25';
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', ...(noisy ? ['-qp', '0'] : []), '-g', '25', '-pix_fmt', 'yuv420p', path.join(folder, name)]);
  }
}
