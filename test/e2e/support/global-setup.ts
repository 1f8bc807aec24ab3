/**
 * Builds dist/ once when it is missing or older than the sources, so
 * `npx playwright test` alone tests the current code.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './host';

const SOURCES = ['renderer', 'main', 'preload', 'resources', 'package.json', 'vite.config.ts', 'scripts/build.mjs'];
const OUTPUTS = ['dist/renderer/index.html', 'dist/main/headless.cjs'];

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

export default function globalSetup(): void {
  const outputs = OUTPUTS.map((o) => path.join(ROOT, o));
  const missing = outputs.some((o) => !fs.existsSync(o));
  const builtAt = missing ? 0 : Math.min(...outputs.map((o) => fs.statSync(o).mtimeMs));
  const sourcesAt = Math.max(...SOURCES.map((s) => newestMtime(path.join(ROOT, s))));
  if (!missing && builtAt >= sourcesAt) return;
  process.stderr.write(`e2e: dist/ is ${missing ? 'missing' : 'older than the sources'}; building\n`);
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
}
