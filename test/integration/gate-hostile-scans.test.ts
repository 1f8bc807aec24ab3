import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { gateKiosk, ref, TODAY } from '../support/gate';
import { soakScale } from '../support/soak';
import { tempDir } from '../support/temp';

let cloud: CloudSim;
beforeAll(async () => {
  cloud = await startCloudSim({ tickets: [{ bookingDate: TODAY, referenceNo: ref(1), attractions: { A: { pax: 2, used: 0 } } }] });
});
afterAll(() => cloud.close());

function hostileLine(random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const length = Math.floor(random() * 600);
  switch (Math.floor(random() * 8)) {
    case 0:
      return Array.from({ length }, () => String.fromCharCode(Math.floor(random() * 256))).join('');
    case 1:
      return '9'.repeat(257 + length);
    case 2:
      return pick(["'; DROP TABLE tickets; --", "20260115-000001' OR '1'='1", 'SELECT * FROM admissions', '") UNION SELECT raw_json FROM tickets --']);
    case 3:
      return pick(['', ' ', '\t', '\r\n', '\u0000']);
    case 4:
      return pick(['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '{{constructor.constructor("x")()}}', '${process.exit()}']);
    case 5:
      return Array.from({ length: Math.min(length, 200) }, () => String.fromCodePoint(0x80 + Math.floor(random() * 0x10ff00))).join('');
    case 6:
      return pick([
        `${pick(['20260115', '2026011', '99999999'])}-${Math.floor(random() * 1e7)}${pick(['', '-dummy', '-DUMMY', '\u200b'])}`,
        `${ref(1)}${pick(['-DUMMY', '-Dummy', ref(2), ref(1), '7', ' ' + ref(2)])}`,
        `${pick(['1', '0', 'x', '/'])}${ref(1)}${pick(['0', '', '-x'])}`,
      ]);
    default:
      return `https://tickets.example/t/${pick(['', ref(1), ref(2), '%00', '../../etc/passwd'])}?q=${length}`;
  }
}

describe('hostile scanner input', () => {
  const lines = soakScale(10_000, 100_000);

  it(`answers ${lines} random and hostile lines with UNREADABLE, UNKNOWN or a real decision, never a crash`, async () => {
    const g = await gateKiosk(tempDir(), cloud);
    await g.sync();
    let seed = 4242;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const kinds = new Map<string, number>();
    for (let i = 0; i < lines; i++) {
      const line = hostileLine(random);
      const result = await g.kiosk.handlers.invoke('gate:scan', { code: line.slice(0, 4096), source: 'keyboard' });
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      const { kind } = result.value as { kind: string };
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      expect(['unreadable', 'unknown', 'valid', 'test-ticket', 'wrong-day']).toContain(kind);
      // A test code in any case, or the ticket inside a longer code, never admits the live ticket.
      if (kind === 'valid') expect(line.trim()).toMatch(new RegExp(`^(?:https://tickets\\.example/t/|/)?${ref(1)}(?:\\?q=\\d+)?$`));
    }
    expect(kinds.get('unreadable')).toBeGreaterThan(lines / 2);
    expect(kinds.get('unknown')).toBeGreaterThan(0);
    // The store is unharmed and the one real ticket still works.
    expect(g.kiosk.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(await g.admit(ref(1), 2)).toMatchObject({ status: 'admitted' });
    await g.kiosk.stop();
  }, 300_000);

  it('refuses a scan longer than the contract allows before it reaches the gate', async () => {
    const g = await gateKiosk(tempDir(), cloud);
    expect(await g.kiosk.handlers.invoke('gate:scan', { code: 'x'.repeat(5000), source: 'keyboard' })).toMatchObject({ ok: false, error: { code: 'bad_arguments' } });
    await g.kiosk.stop();
  });
});
