// Builds what the kiosk runs: the renderer (Vite) into dist/renderer and the
// main-process entries (esbuild) into dist/main and dist/preload.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const only = process.argv.includes('--main-only') ? 'main' : process.argv.includes('--renderer-only') ? 'renderer' : 'all';
const quiet = process.argv.includes('--quiet');
// --out DIR builds somewhere else than dist/ (the packaging check builds into a scratch copy).
const outIndex = process.argv.indexOf('--out');
const outDir = path.resolve(root, outIndex >= 0 ? process.argv[outIndex + 1] : 'dist');

// Native modules and electron stay outside the bundle: they load from node_modules (or app.asar.unpacked).
const external = ['electron', 'better-sqlite3', 'serialport', '@serialport/*'];

const entries = [
  { in: 'main/electron/main.ts', out: 'main/electron.cjs' },
  { in: 'main/headless/cli.ts', out: 'main/headless.cjs' },
  // Worker threads: bundled next to the main bundle (see main/gate/import-runner.ts).
  { in: 'main/gate/import-worker.ts', out: 'main/gate-import-worker.cjs' },
  { in: 'main/updates/hash-worker.ts', out: 'main/updates-hash-worker.cjs' },
  // The sandboxed preload must be one file that requires nothing but 'electron'.
  { in: 'preload/index.ts', out: 'preload/index.cjs' },
];

if (only !== 'renderer') {
  await Promise.all(
    entries
      .filter((e) => fs.existsSync(path.join(root, e.in)))
      .map((e) =>
        esbuild({
          absWorkingDir: root,
          entryPoints: [e.in],
          outfile: path.join(outDir, e.out),
          bundle: true,
          platform: 'node',
          format: 'cjs',
          target: 'node22',
          sourcemap: 'linked',
          external,
          logLevel: quiet ? 'error' : 'warning',
        }),
      ),
  );
}
if (only !== 'main') {
  await viteBuild({
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: quiet ? 'error' : 'warn',
    build: { outDir: path.join(outDir, 'renderer') },
  });
}
if (!quiet) process.stderr.write(`build: ${only} done\n`);
