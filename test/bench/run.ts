/**
 * `npm run -s bench -- <suite|bench …|all>`: one JSON object per line on stdout
 * (see ../shared/BENCHMARKS.md); progress on stderr. BENCH_QUICK=1 runs small
 * sizes. A suite (`gate`) runs all its benches; a bench's name (`gate.admit`)
 * runs that one alone, e.g. to repeat it.
 *
 * Whatever a bench starts (simulators, headless hosts, socat, Chromium) ends
 * with it, also when it fails: its teardown runs in a `finally`, and the
 * process groups it spawned are killed if this runner exits or is killed
 * (test/support/process-group.ts).
 */
import { coreBenches } from './core';
import { gateBenches } from './gate';
import { payoutBenches } from './payout';
import { sessionsBenches } from './sessions';
import { intakeBenches } from './intake';
import { replicaBenches } from './replica';
import { progress } from './format';
import { updateBenches } from './update';
import { bookingsBenches } from './bookings';

const suites: Record<string, Readonly<Record<string, () => Promise<void>>>> = {
  core: coreBenches,
  gate: gateBenches,
  payout: payoutBenches,
  sessions: sessionsBenches,
  intake: intakeBenches,
  update: updateBenches,
  replica: replicaBenches,
  bookings: bookingsBenches,
};
const benchNames = Object.values(suites).flatMap((benches) => Object.keys(benches));

const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = asked.length === 0 || asked.includes('all') ? Object.keys(suites) : asked;
const unknown = names.filter((n) => !suites[n] && !benchNames.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown suite or bench ${unknown.join(', ')}; suites: ${Object.keys(suites).join(', ')}, all; benches: ${benchNames.join(', ')}\n`);
  process.exit(2);
}
for (const name of names) {
  const suite = suites[name];
  if (suite) {
    progress(`suite ${name}`);
    for (const bench of Object.values(suite)) await bench();
  } else {
    // A bench's suite is the one that lists it (the bookings suite's video.* benches are not named after it).
    const owner = Object.values(suites).find((benches) => benches[name]);
    await owner![name]!();
  }
}
