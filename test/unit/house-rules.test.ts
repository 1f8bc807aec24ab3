import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every source file of the project (tracked or not), as the rules apply to the working tree. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.tools', 'test-results', 'release', '.git'].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx|js|mjs|cjs)$/.test(entry.name)) out.push(full);
  }
  return out;
}

const root = path.resolve(import.meta.dirname, '../..');
const files = sourceFiles(root).map((f) => path.relative(root, f));
const importsElectron = /from\s+['"]electron['"]|require\(\s*['"]electron['"]\s*\)|import\(\s*['"]electron['"]\s*\)/;

describe('house rules', () => {
  it("imports 'electron' only in main/electron/ and preload/", () => {
    const offenders = files.filter(
      (f) => !/^(main\/electron\/|preload\/|test\/)/.test(f) && importsElectron.test(fs.readFileSync(path.join(root, f), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps the renderer away from main/', () => {
    const offenders = files.filter(
      (f) => f.startsWith('renderer/') && /from\s+['"](\.\.\/)+main\//.test(fs.readFileSync(path.join(root, f), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps modules away from the composition root: only the host creates the kiosk, only kiosk.ts reads the registry', () => {
    const source = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');
    const mainFiles = files.filter((f) => /^main\/.+\.ts$/.test(f));
    const importsKiosk = /from\s+['"](?:\.\.\/)+kiosk['"]/;
    const importsRegistry = /from\s+['"][./]*(?:modules\/)?registry['"]/;
    expect(mainFiles.filter((f) => !f.startsWith('main/host/') && importsKiosk.test(source(f)))).toEqual([]);
    expect(mainFiles.filter((f) => f !== 'main/kiosk.ts' && importsRegistry.test(source(f)))).toEqual([]);
    // Each capability module states what it gives through the seam's own file.
    for (const module of ['gate', 'payout']) expect(source(`main/${module}/index.ts`)).toMatch(/from '\.\.\/modules\/module'/);
  });

  it('pins exact dependency versions', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const loose = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(([, v]) => !/^\d+\.\d+\.\d+$/.test(v));
    expect(loose).toEqual([]);
  });

  it('agrees with git grep where git is available', () => {
    let listed = '';
    try {
      listed = execFileSync('git', ['grep', '-lE', "from ['\"]electron['\"]|require\\(['\"]electron['\"]\\)"], { cwd: root, encoding: 'utf8' });
    } catch {
      return; // no match (exit 1) or no git: the file scan above decides
    }
    const outside = listed.split('\n').filter((f) => f && !/^(main\/electron\/|preload\/|test\/)/.test(f));
    expect(outside).toEqual([]);
  });
});
