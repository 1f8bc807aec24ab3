/**
 * `npm run soak -- <suite>`: the crash, fault and fuzz tests with their large
 * counts (BOOTH_SOAK=1). `npm test` runs the same tests with small counts.
 * Vitest runs in its own process group, ended with this runner whatever way
 * it ends (test/support/process-group.ts).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { spawnInGroup } from '../support/process-group';

const root = path.resolve(import.meta.dirname, '../..');
const suites: Record<string, string[]> = {
  gate: ['test/integration/gate-faults.test.ts', 'test/integration/gate-crash.test.ts', 'test/integration/gate-hostile-scans.test.ts'],
  payout: ['test/integration/payout-crash.test.ts'],
  intake: ['test/integration/intake-hostile.test.ts', 'test/integration/intake-crash.test.ts'],
  replica: ['test/integration/replica-fuzz.test.ts'],
};

const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = asked.length === 0 || asked.includes('all') ? Object.keys(suites) : asked;
const unknown = names.filter((n) => !suites[n]);
if (unknown.length > 0) {
  process.stderr.write(`soak: unknown suite ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}, all\n`);
  process.exit(2);
}
const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const files = names.flatMap((n) => suites[n]!);
const vitest = spawnInGroup(path.join(root, 'node_modules/.bin/vitest'), ['run', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, BOOTH_SOAK: '1' },
});
const code = await new Promise<number>((resolve) => {
  vitest.once('error', () => resolve(1));
  vitest.once('exit', (status) => resolve(status ?? 1));
});
process.exit(code);
