/**
 * `node --import tsx test/cloud-sim/cli.ts [--port N] [--tickets N] [--date YYYY-MM-DD] [--seed N] [--usage-mode admissions|absolute]
 *   [--coin-value X] [--auto-pay SECONDS] [--cafe]`
 * Prints `cloud-sim: <apiUrl>` when ready (scripts/start.mjs waits for that line).
 * `--tickets N` generates N tickets (attractions A, B, C, pax 1–4) for `--date`,
 * by default today in Asia/Jakarta (the venues' time zone), for the demo.
 * The coin payout API is under `<apiUrl>v2/`; `--auto-pay S` has the customer
 * pay each transaction S seconds after it is created (for the demo), else
 * `POST /__sim/payout/transactions/{id}/pay` does.
 * `--cafe` (the café demo): the customer app books a free PC (PC01 … PC06,
 * free as the kiosk's status reports say) at once and then every 2 minutes,
 * for the kiosk to pull from `sessions/bookings`.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startCloudSim } from './server';
import { usageModes } from './upload';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    tickets: { type: 'string', default: '0' },
    date: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'usage-mode': { type: 'string', default: 'admissions' },
    'coin-value': { type: 'string', default: '0.25' },
    'auto-pay': { type: 'string' },
    cafe: { type: 'boolean', default: false },
  },
});

const args = z
  .object({
    port: z.coerce.number().int().min(0).max(65535),
    tickets: z.coerce.number().int().min(0),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    seed: z.coerce.number().int(),
    usageMode: z.enum(usageModes),
    coinValue: z.coerce.number().positive(),
    autoPaySeconds: z.coerce.number().min(0).nullable(),
  })
  .parse({ ...values, usageMode: values['usage-mode'], coinValue: values['coin-value'], autoPaySeconds: values['auto-pay'] ?? null });

/** Today in the venue's zone: en-CA formats as YYYY-MM-DD. */
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta' }).format(new Date());

const sim = await startCloudSim({ port: args.port, initial: { usageMode: args.usageMode, coinValue: args.coinValue, autoPaySeconds: args.autoPaySeconds } });
if (args.tickets > 0) {
  const generated = sim.tickets.generate({ count: args.tickets, date: args.date ?? today(), seed: args.seed });
  const body = sim.prepareDownload(); // so the first download does not wait for serialization
  process.stderr.write(`cloud-sim: ${generated.count} tickets ${generated.first} … ${generated.last} (${body.bytes} bytes)\n`);
}
if (values.cafe) {
  const bookFreePc = () => {
    const booked = new Set(sim.sessions.list().filter((b) => b.status === 'Active').map((b) => b.systemId));
    const free = ['PC01', 'PC02', 'PC03', 'PC04', 'PC05', 'PC06'].filter((pc) => !booked.has(pc) && (sim.sessions.systems.get(pc)?.status ?? 'Available') === 'Available');
    const pc = free[Math.floor(Math.random() * free.length)];
    if (pc) sim.sessions.book({ systemId: pc, minutes: 5 + Math.floor(Math.random() * 40) });
  };
  bookFreePc();
  setInterval(bookFreePc, 120_000).unref();
}
process.stdout.write(`cloud-sim: ${sim.apiUrl}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
