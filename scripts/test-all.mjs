// `npm test`: every runner in turn (type check, build, vitest: unit, integration,
// packaging, security, quick benchmarks; Playwright: e2e), no automatic retries,
// then one line summing them all: `N passed, N failed[, N skipped]`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

// `npm test` without ./booth: the same check of the Debian packages the tests
// need (./booth's function), so a missing one stops everything at once with
// one line instead of failing test after test.
if (process.env.BOOTH_TEST_PREREQUISITES_CHECKED !== '1') {
  const check = spawnSync('bash', ['-c', 'source ./booth && check_test_prerequisites'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (check.error) process.stderr.write(`npm test: could not run bash to check the test prerequisites (${check.error.message})\n`);
  if (check.status !== 0) process.exit(1);
}

const results = path.join(root, 'test-results');
fs.mkdirSync(results, { recursive: true });
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const totals = { passed: 0, failed: 0, skipped: 0 };
const summary = [];

function run(label, command, args, env = {}) {
  process.stderr.write(`\n=== ${label}: ${[path.basename(command), ...args].join(' ')}\n`);
  const started = Date.now();
  const outcome = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return { status: outcome.status ?? 1, seconds: ((Date.now() - started) / 1000).toFixed(1) };
}

function add(label, counts, seconds) {
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  summary.push(`${label}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${seconds} s)`);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

// 1. Type check (one test: the whole tree is strict TypeScript).
{
  const r = run('typecheck', bin('tsc'), ['-p', 'tsconfig.json']);
  add('typecheck', { passed: r.status === 0 ? 1 : 0, failed: r.status === 0 ? 0 : 1, skipped: 0 }, r.seconds);
}

// 2. Build (one test: e2e and packaging need it).
const build = run('build', process.execPath, ['scripts/build.mjs', '--quiet']);
add('build', { passed: build.status === 0 ? 1 : 0, failed: build.status === 0 ? 0 : 1, skipped: 0 }, build.seconds);

// 3. Vitest: unit, integration, packaging, security, bench format.
{
  const file = path.join(results, 'vitest.json');
  fs.rmSync(file, { force: true });
  const r = run('vitest', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile=${file}`]);
  const report = readJson(file);
  if (report) {
    const counts = {
      passed: report.numPassedTests ?? 0,
      failed: report.numFailedTests ?? 0,
      skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    };
    // A suite that failed to load counts as a failure even with no test inside.
    const brokenSuites = (report.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
    counts.failed += brokenSuites;
    if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
    add('vitest', counts, r.seconds);
  } else {
    add('vitest', { passed: 0, failed: 1, skipped: 0 }, r.seconds);
  }
}

// 4. Playwright: e2e in Chromium against the headless host, and the Electron spec.
if (build.status === 0) {
  const file = path.join(results, 'playwright.json');
  fs.rmSync(file, { force: true });
  const r = run('playwright', bin('playwright'), ['test']);
  const report = readJson(file);
  if (report?.stats) {
    const counts = {
      passed: report.stats.expected ?? 0,
      failed: (report.stats.unexpected ?? 0) + (report.stats.flaky ?? 0),
      skipped: report.stats.skipped ?? 0,
    };
    if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
    add('playwright', counts, r.seconds);
  } else {
    add('playwright', { passed: 0, failed: 1, skipped: 0 }, r.seconds);
  }
} else {
  add('playwright (not run: build failed)', { passed: 0, failed: 1, skipped: 0 }, '0');
}

process.stderr.write(`\n${summary.join('\n')}\n`);
const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : '';
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed${skipped}\n`);
process.exit(totals.failed > 0 ? 1 : 0);
