// `npm start`: builds, then launches the kiosk in Electron where its binary is
// installed, else says so and serves the same kiosk from the headless host.
// From a source checkout with no config, the demo profile runs: a simulated
// cloud on loopback is started next to the kiosk. Flags: scripts/start-options.mjs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { findElectronBinary } from './electron-binary.mjs';
import { startOptions } from './start-options.mjs';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const children = [];

function stopAll(code = 0) {
  process.exitCode = code; // also when nothing is left to wait for (the timer below does not keep Node alive)
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function spawnLogged(command, commandArgs, env, stdin = 'ignore') {
  const child = spawn(command, commandArgs, { cwd: root, env, stdio: [stdin, 'pipe', 'inherit'] });
  children.push(child);
  return child;
}

/** Starts a process and resolves with the first stdout line matching `pattern`. */
function waitForLine(child, pattern, what) {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = pattern.exec(line);
      if (match) resolve(match);
      else process.stdout.write(`${line}\n`);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (code ${code}) before it was ready`)));
  });
}

async function main() {
  const electron = args.includes('--headless') ? null : findElectronBinary(root);
  const options = startOptions(args, process.env, { electron: Boolean(electron) });
  const { kioskArgs } = options;
  if (options.problem) throw new Error(options.problem);
  if (options.port === null) throw new Error(`--port (or BOOTH_PORT) must be a port number, not "${options.portText}"`);
  if (options.configNamed && !fs.existsSync(options.config)) {
    throw new Error(`no config at ${options.config} (named by --config or BOOTH_CONFIG); see "Running with a real config" in README.md`);
  }
  if (electron && options.portGiven) process.stderr.write('--port is for the headless host; Electron shows the kiosk in its own window.\n');

  const build = spawn(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
  const built = await new Promise((resolve) => build.once('exit', resolve));
  if (built !== 0) throw new Error('the build failed (see above)');

  const env = { ...process.env };
  if (options.demo) {
    const tsx = ['--import', 'tsx'];
    const profile = options.demoProfile ?? 'gate';
    const tickets = profile === 'gate' ? '1000' : '0';
    const sim = spawnLogged(process.execPath, [...tsx, path.join(root, 'test', 'cloud-sim', 'cli.ts'), '--port', process.env.BOOTH_DEMO_CLOUD_PORT ?? '0', '--tickets', tickets, ...(profile === 'cafe' ? ['--cafe'] : [])], env);
    const [, apiUrl] = await waitForLine(sim, /^cloud-sim: (\S+)/, 'the cloud simulator');
    env.BOOTH_DEMO_CLOUD_URL = apiUrl;
    let devices = '';
    if (profile === 'gate') {
      // The demo scanner: a pty pair; the kiosk reads one end, demo scans are written to the other.
      const ptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'booth-demo-scanner-'));
      // Its stdin stays open: the simulator ends when its input ends.
      const scanner = spawnLogged(process.execPath, [...tsx, path.join(root, 'test', 'sim', 'scanner-sim.ts'), '--dir', ptyDir], env, 'pipe');
      const [, devicePath] = await waitForLine(scanner, /^scanner-sim: (\S+)/, 'the scanner simulator');
      env.BOOTH_DEMO_SCANNER_PATH = devicePath;
      env.BOOTH_DEMO_SCANNER_SIM = path.join(ptyDir, 'sim');
      devices = `, a simulated scanner (${devicePath})`;
    }
    if (profile === 'intake') {
      // The demo barn: a LoRa receiver on a pty pair that hears an animal every few seconds, with some noise.
      const ptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'booth-demo-lora-'));
      const lora = spawnLogged(process.execPath, [...tsx, path.join(root, 'test', 'sim', 'lora-sim.ts'), '--dir', ptyDir], env, 'pipe');
      const [, devicePath] = await waitForLine(lora, /^lora-sim: (\S+)/, 'the LoRa simulator');
      env.BOOTH_DEMO_LORA_PATH = devicePath;
      devices = `, a simulated LoRa receiver (${devicePath}, an animal every 4 s)`;
    }
    const what = { gate: '1000 tickets for today', cafe: 'the café\'s customer app booking a PC now and then', intake: 'nothing to download' }[profile];
    process.stderr.write(
      `Demo profile "${profile}"${options.demoProfile ? '' : ' (no config found)'}: a simulated cloud (${apiUrl}, ${what})${devices} run with the kiosk. Admin PIN: 2468. Other demos: --demo gate|cafe|intake.\n`,
    );
  }

  if (!options.demo) process.stderr.write(`Config: ${options.config}; data folder: ${options.dataDir}\n`);
  if (electron) {
    const child = spawn(electron, [root, ...kioskArgs], { cwd: root, env, stdio: 'inherit' });
    children.push(child);
    child.once('exit', (code) => stopAll(code ?? 0));
    return;
  }
  if (!options.headless) {
    process.stderr.write(
      'The Electron binary is missing (node_modules/electron/dist/electron was not installed), so Booth runs the same kiosk from the headless host instead. Open the URL below in a browser.\n',
    );
  }
  const host = spawnLogged(process.execPath, [path.join(root, 'dist', 'main', 'headless.cjs'), '--port', String(options.port), ...kioskArgs], env);
  const [line] = await waitForLine(host, /^Booth kiosk \(headless\): \S+$/, 'the headless host');
  process.stdout.write(`${line}\n`);
  host.once('exit', (code) => stopAll(code ?? 0));
}

main().catch((error) => {
  process.stderr.write(`npm start: ${error.message}\n`);
  stopAll(1);
});
