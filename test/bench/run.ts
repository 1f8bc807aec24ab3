/**
 * `npm run -s bench -- <suite|all>`: one JSON object per line on stdout (see
 * ../shared/BENCHMARKS.md); progress on stderr. BENCH_QUICK=1 runs small sizes.
 */
import { runCore } from './core';
import { runGate } from './gate';
import { runPayout } from './payout';
import { progress } from './format';

const suites: Record<string, () => Promise<void>> = {
  core: runCore,
  gate: runGate,
  payout: runPayout,
};

const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = asked.length === 0 || asked.includes('all') ? Object.keys(suites) : asked;
const unknown = names.filter((n) => !suites[n]);
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown suite ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}, all\n`);
  process.exit(2);
}
for (const name of names) {
  progress(`suite ${name}`);
  await suites[name]!();
}
