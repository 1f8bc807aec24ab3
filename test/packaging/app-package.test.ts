/**
 * What `npm run dist` would package, checked offline without the Electron
 * binary: `electron-builder --dir` for linux arm64 and x64 runs against a
 * stand-in Electron dist folder (a script carrying a fuse wire, so the fuses
 * electron-builder flips can be read back), on a scratch copy of the project
 * whose dist/ is built by `scripts/build.mjs --out` (the real dist/ is left to
 * whoever else is building). Then app.asar and app.asar.unpacked are read.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as asar from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ELECTRON_FUSES } from '../../main/electron/security-policy';

const execFileAsync = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; devDependencies: Record<string, string> };
const electronVersion = pkg.devDependencies.electron ?? '';

const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** @electron/fuses' FuseV1Options order. */
const FUSE_ORDER = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
] as const;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

const ARCHES = [
  { arch: 'arm64', outDir: 'linux-arm64-unpacked', machine: EM_AARCH64, other: EM_X86_64 },
  { arch: 'x64', outDir: 'linux-unpacked', machine: EM_X86_64, other: EM_AARCH64 },
] as const;

/** A stand-in for Electron's linux dist folder: what electron-builder copies, renames and flips fuses in. */
function writeStandInElectron(dir: string): void {
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'locales'), { recursive: true });
  // Fuse wire v1, 8 fuses, all "enabled" (0x31) so every flip to "disabled" shows.
  const wire = Buffer.concat([Buffer.from(FUSE_SENTINEL), Buffer.from([1, FUSE_ORDER.length]), Buffer.alloc(FUSE_ORDER.length, 0x31)]);
  const script = Buffer.from('#!/bin/sh\necho "stand-in Electron for the packaging test: not runnable" >&2\nexit 1\n# ');
  fs.writeFileSync(path.join(dir, 'electron'), Buffer.concat([script, wire, Buffer.from('\n')]), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'chrome-sandbox'), '', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'version'), electronVersion);
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'stand-in');
  fs.writeFileSync(path.join(dir, 'locales', 'en-US.pak'), '');
}

function readFuses(binary: string): Record<string, boolean> {
  const bytes = fs.readFileSync(binary);
  const at = bytes.indexOf(FUSE_SENTINEL);
  expect(at, 'fuse sentinel').toBeGreaterThanOrEqual(0);
  const start = at + FUSE_SENTINEL.length + 2;
  return Object.fromEntries(FUSE_ORDER.map((name, i) => [name, bytes[start + i] === 0x31]));
}

/** node_modules for the scratch project: hard links (instant on one filesystem), else a copy. npm ls needs a real folder, not a symlink. */
function linkNodeModules(dest: string): void {
  try {
    execFileSync('cp', ['-al', fs.realpathSync(path.join(root, 'node_modules')), dest], { stdio: 'ignore' });
  } catch {
    fs.rmSync(dest, { recursive: true, force: true });
    fs.cpSync(path.join(root, 'node_modules'), dest, { recursive: true, verbatimSymlinks: true });
  }
}

/** Every regular file under `dir`, relative, with '/' separators. */
function walk(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return walk(full, base);
    return e.isFile() ? [path.relative(base, full).split(path.sep).join('/')] : [];
  });
}

/** ELF e_machine of a file, or null when it is not an ELF file. */
function elfMachine(file: string): number | null {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(20);
    if (fs.readSync(fd, head, 0, 20, 0) < 20) return null;
    if (head.readUInt32BE(0) !== 0x7f454c46) return null;
    return head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
  } finally {
    fs.closeSync(fd);
  }
}

let scratch = '';
let builderLog = '';

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'booth-packaging-'));
  const project = path.join(scratch, 'project');
  fs.mkdirSync(project);
  for (const file of ['package.json', 'package-lock.json', 'electron-builder.yml']) {
    fs.copyFileSync(path.join(root, file), path.join(project, file));
  }
  fs.cpSync(path.join(root, 'resources'), path.join(project, 'resources'), { recursive: true });
  // Decoys: sources, tests, benchmarks and the cloud simulator sit in the project and must stay out of the package.
  for (const dir of ['main', 'preload', 'renderer', 'test', 'scripts', 'docs', 'native']) {
    if (fs.existsSync(path.join(root, dir))) fs.cpSync(path.join(root, dir), path.join(project, dir), { recursive: true });
  }
  fs.mkdirSync(path.join(project, 'test', 'cloud-sim'), { recursive: true });
  fs.writeFileSync(path.join(project, 'test', 'cloud-sim', 'decoy.ts'), 'export {};\n');
  fs.mkdirSync(path.join(project, 'test', 'bench'), { recursive: true });
  fs.writeFileSync(path.join(project, 'test', 'bench', 'decoy.ts'), 'export {};\n');
  linkNodeModules(path.join(project, 'node_modules'));

  const electronDist = path.join(scratch, 'electron-dist');
  writeStandInElectron(electronDist);

  await execFileAsync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--out', path.join(project, 'dist'), '--quiet'], {
    cwd: root,
    timeout: 120_000,
  });

  const result = await execFileAsync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'electron-builder', 'cli.js'),
      '--dir',
      '--linux',
      '--arm64',
      '--x64',
      '--publish', 'never',
      '--projectDir', project,
      `-c.electronDist=${electronDist}`,
      `-c.directories.output=${path.join(scratch, 'out')}`,
    ],
    {
      cwd: project,
      timeout: 150_000,
      maxBuffer: 32 * 1024 * 1024,
      env: {
        // electron-builder stays silent when it sees VITEST; its log is checked below.
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST'))),
        ELECTRON_BUILDER_CACHE: path.join(scratch, 'cache'),
        ELECTRON_CACHE: path.join(scratch, 'cache'),
      },
    },
  );
  builderLog = `${result.stdout}\n${result.stderr}`;
}, 170_000);

afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe('electron-builder --dir (stand-in Electron)', () => {
  it('packaged both arches without downloading anything or rebuilding native modules', () => {
    expect(builderLog).toMatch(/npmRebuild is set to false/);
    expect(builderLog).not.toMatch(/downloading|downloaded electron/i);
    for (const { outDir } of ARCHES) expect(fs.existsSync(path.join(scratch, 'out', outDir, 'resources', 'app.asar')), outDir).toBe(true);
  });

  describe.each(ARCHES)('linux $arch', ({ arch, outDir, machine, other }) => {
    const appOut = () => path.join(scratch, 'out', outDir);
    const archive = () => path.join(appOut(), 'resources', 'app.asar');
    const unpacked = () => path.join(appOut(), 'resources', 'app.asar.unpacked');
    const entries = () => asar.listPackage(archive(), { isPack: false }).map((p) => p.replace(/\\/g, '/'));
    const isFile = (p: string) => !('files' in asar.statFile(archive(), p.replace(/^\//, '')));

    it('is launched as /opt/Booth/booth with the fuses of electron-builder.yml flipped', () => {
      expect(fs.existsSync(path.join(appOut(), 'booth'))).toBe(true);
      expect(fs.existsSync(path.join(appOut(), 'electron'))).toBe(false);
      const fuses = readFuses(path.join(appOut(), 'booth'));
      expect(fuses).toEqual(ELECTRON_FUSES);
      // Read from the binary: it cannot run as plain Node, and cookies are encrypted.
      expect(fuses).toMatchObject({ runAsNode: false, enableCookieEncryption: true });
    });

    it('holds the built renderer, main, preload, resources and package.json', () => {
      const list = new Set(entries());
      for (const p of ['/package.json', '/dist/main/electron.cjs', '/dist/preload/index.cjs', '/dist/renderer/index.html']) {
        expect(list.has(p), p).toBe(true);
      }
      // Not the demo profile's config (its PIN hash is for the published 2468), nor a separate set-pin script.
      expect([...list].filter((p) => /demo-(config|cafe|intake)|set-pin/.test(p))).toEqual([]);
      expect(walk(unpacked()).filter((p) => /demo-(config|cafe|intake)|set-pin/.test(p))).toEqual([]);
      expect([...list].some((p) => /^\/dist\/renderer\/assets\/.+\.js$/.test(p))).toBe(true);
      const manifest = JSON.parse(asar.extractFile(archive(), 'package.json').toString('utf8')) as { main: string; version: string };
      expect(manifest.main).toBe(pkg.main);
      expect(list.has(`/${manifest.main}`)).toBe(true);
    });

    it('holds no sources, tests, benchmarks, cloud simulator, source maps or headless host', () => {
      const files = entries().filter(isFile);
      const own = files.filter((p) => !p.startsWith('/node_modules/'));
      expect(own.filter((p) => !/^\/(dist|resources)\/|^\/package\.json$/.test(p))).toEqual([]);
      expect(files.filter((p) => /\.(ts|tsx|map)$/.test(p) && !p.endsWith('.d.ts'))).toEqual([]);
      expect(files.filter((p) => /(^|\/)(cloud-sim|bench)(\/|$)/.test(p))).toEqual([]);
      expect(own.filter((p) => /(^|\/)(test|tests|e2e)(\/|$)/.test(p))).toEqual([]);
      expect(files).not.toContain('/dist/main/headless.cjs');
      expect(files.filter((p) => /^\/node_modules\/(typescript|react|react-dom|fastify|zod|vite|electron)\//.test(p))).toEqual([]);
    });

    it('resolves every require of the main bundles inside the package', () => {
      const list = new Set(entries());
      const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'electron']);
      const missing: string[] = [];
      const seen = new Set<string>();
      /** Node's lookup, inside the archive: nested node_modules first, then up the tree. */
      const findPackage = (name: string, fromDir: string): string | null => {
        let dir = fromDir;
        for (;;) {
          const candidate = `${dir === '/' ? '' : dir}/node_modules/${name}`;
          if (list.has(`${candidate}/package.json`)) return candidate;
          if (dir === '/') return null;
          dir = path.posix.dirname(dir.replace(/\/node_modules\/(@[^/]+\/)?[^/]+$/, '') || '/');
          if (dir === '.') dir = '/';
        }
      };
      const visit = (name: string, fromDir: string, via: string) => {
        const dir = findPackage(name, fromDir);
        if (!dir) {
          missing.push(`${name} (needed by ${via})`);
          return;
        }
        if (seen.has(dir)) return;
        seen.add(dir);
        const manifest = JSON.parse(asar.extractFile(archive(), `${dir.slice(1)}/package.json`).toString('utf8')) as {
          dependencies?: Record<string, string>;
        };
        for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, name);
      };
      // Optional speed-ups their packages require inside try/catch and run without: ws (under
      // @fastify/websocket, the LAN API's live feed) tries bufferutil and utf-8-validate; the AWS
      // SDK (the bookings' uploads) tries the CRT signer and SigV4a, used only for multi-region
      // access points. Any other require must be in the package.
      const optionalInTryCatch = new Set(['bufferutil', 'utf-8-validate', '@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a']);
      const bundles = [...list].filter((p) => /^\/dist\/main\/[^/]+\.cjs$/.test(p));
      expect(bundles.length).toBeGreaterThanOrEqual(2);
      for (const bundle of bundles) {
        const code = asar.extractFile(archive(), bundle.slice(1)).toString('utf8');
        /** The module's own code is in the bundle (esbuild's `// node_modules/<file>` marker): resolved at build time. */
        const inBundle = (spec: string) => [`${spec}.js`, `${spec}/index.js`].some((file) => code.includes(`\n// node_modules/${file}\n`));
        for (const [, spec = ''] of code.matchAll(/require\(["']([^"'.][^"']*)["']\)/g)) {
          if (builtins.has(spec) || builtins.has(spec.split('/')[0] ?? '')) continue;
          // What is left of such a module's name is text of generated code, never run: ajv and
          // fast-json-stringify (under Fastify, which the main process runs for the LAN API) keep
          // `require("ajv/dist/runtime/equal")` and the like as strings for their standalone mode.
          if (inBundle(spec)) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
          if (optionalInTryCatch.has(name)) continue;
          visit(name, '/', bundle);
        }
      }
      expect(missing).toEqual([]);
      expect(seen.has('/node_modules/better-sqlite3')).toBe(true);
    });

    it(`unpacks the native modules' linux-${arch} prebuilds and nothing built for another machine`, () => {
      const nativeFiles = walk(unpacked()).filter((p) => p.endsWith('.node'));
      expect(nativeFiles).toContain(`node_modules/better-sqlite3/prebuilds/linux-${arch}.node`);
      expect(nativeFiles.some((p) => p.startsWith(`node_modules/@serialport/bindings-cpp/prebuilds/linux-${arch}/`))).toBe(true);
      expect(nativeFiles.filter((p) => !p.includes(`linux-${arch}`))).toEqual([]);
      expect(nativeFiles.filter((p) => /musl/.test(p))).toEqual([]);
      // No .node file left inside the archive itself (it could not be loaded from there).
      expect(entries().filter((p) => p.endsWith('.node') && !asar.statFile(archive(), p.slice(1)).unpacked)).toEqual([]);
      // Every ELF file in resources/ is for this arch; none for the other.
      const elves = walk(path.join(appOut(), 'resources'))
        .map((p) => ({ p, m: elfMachine(path.join(appOut(), 'resources', p)) }))
        .filter((e) => e.m !== null);
      expect(elves.length).toBeGreaterThanOrEqual(2);
      expect(elves.filter((e) => e.m === other).map((e) => e.p)).toEqual([]);
      expect(elves.filter((e) => e.m !== machine).map((e) => e.p)).toEqual([]);
    });

    // Only where this machine can run the arch (not reported as skipped elsewhere: it is an extra check).
    if (process.arch === arch && process.platform === 'linux') it('loads its better-sqlite3 from app.asar.unpacked under Node (N-API, no rebuild)', async () => {
      const module = path.join(unpacked(), 'node_modules', 'better-sqlite3');
      const { stdout } = await execFileAsync(process.execPath, [
        '-e',
        `const D = require(${JSON.stringify(module)}); console.log(new D(':memory:').prepare("select sqlite_version() as v").get().v)`,
      ]);
      expect(stdout.trim()).toMatch(/^3\.\d+\.\d+$/);
    });
  });
});

describe('installed-kiosk helpers against the package layout', () => {
  const appOut = () => path.join(scratch, 'out', 'linux-unpacked');

  it('sets the PIN by running the app itself with the set-pin argument, not as plain Node', async () => {
    const wrapper = fs.readFileSync(path.join(root, 'native', 'booth'), 'utf8');
    expect(wrapper).not.toContain('ELECTRON_RUN_AS_NODE');
    expect(wrapper).toMatch(/^\s*"\$APP_DIR\/booth" [^\n]*\bset-pin --config "\$config"$/m);
    // The packaged main entry, extracted, under Node with a stand-in 'electron' module that
    // starts it as `electron <app> set-pin ...` would (process.defaultApp) and fails if the
    // kiosk's own start-up (single-instance lock, ready) is reached.
    const extracted = path.join(scratch, 'extracted-app');
    asar.extractAll(path.join(appOut(), 'resources', 'app.asar'), extracted);
    const stubs = path.join(scratch, 'electron-stub');
    fs.mkdirSync(path.join(stubs, 'electron'), { recursive: true });
    fs.writeFileSync(
      path.join(stubs, 'electron', 'index.js'),
      `process.defaultApp = true;
const kiosk = () => { throw new Error('the kiosk start-up ran instead of the command'); };
module.exports = {
  app: { isPackaged: true, exit: (code) => process.exit(code), requestSingleInstanceLock: kiosk, whenReady: kiosk, on: kiosk, quit: kiosk },
  protocol: { registerSchemesAsPrivileged: () => undefined, handle: kiosk },
  BrowserWindow: kiosk, ipcMain: {}, Menu: {}, powerSaveBlocker: {}, session: {},
};
`,
    );
    const main = path.join(extracted, (JSON.parse(fs.readFileSync(path.join(extracted, 'package.json'), 'utf8')) as { main: string }).main);
    const config = path.join(scratch, 'kiosk-config.json');
    fs.writeFileSync(config, JSON.stringify({ kioskName: 'Gate A' }));
    const child = execFile(process.execPath, [main, '--no-sandbox', 'set-pin', '--config', config], {
      env: { ...process.env, NODE_PATH: stubs, ELECTRON_RUN_AS_NODE: '' },
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin?.end('4321\n');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).toContain('Admin PIN set');
    expect(code).toBe(0);
    const written = JSON.parse(fs.readFileSync(config, 'utf8')) as { kioskName?: string; admin?: { pinHash?: string } };
    expect(written.kioskName).toBe('Gate A');
    expect(written.admin?.pinHash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(fs.readFileSync(config, 'utf8')).not.toContain('4321');
  });

  it('the systemd unit runs that executable under cage, restarts for ever and does not wait for the network', () => {
    const unit = fs.readFileSync(path.join(root, 'native', 'booth-kiosk.service'), 'utf8');
    expect(fs.existsSync(path.join(appOut(), 'booth'))).toBe(true);
    // through the update launcher (native/booth-launcher), which runs /opt/Booth/booth or a verified release
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/cage .*-- \/usr\/local\/lib\/booth\/booth-launcher \/opt\/Booth\/booth /m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^User=booth$/m);
    expect(unit).toMatch(/^StartLimitIntervalSec=0$/m);
    const ordering = unit.split('\n').filter((l) => /^(After|Wants|Requires|BindsTo)=/.test(l));
    expect(ordering.length).toBeGreaterThan(0);
    expect(ordering.filter((l) => /network/.test(l))).toEqual([]);
    const rules = fs.readFileSync(path.join(root, 'native', '99-booth-serial.rules'), 'utf8');
    for (const name of ['booth-scanner', 'booth-hopper']) {
      expect(rules).toMatch(new RegExp(`^SUBSYSTEM=="tty", .*SYMLINK\\+="${name}", OWNER="booth", GROUP="booth", MODE="0660"`, 'm'));
    }
    execFileSync('sh', ['-n', path.join(root, 'native', 'install.sh')]);
    execFileSync('sh', ['-n', path.join(root, 'native', 'booth')]);
    execFileSync('sh', ['-n', path.join(root, 'native', 'booth-launcher')]);
  });
});
