/**
 * Starts the headless kiosk host for e2e tests: a temp data dir, an optional
 * config file, `node dist/main/headless.cjs --port 0 --quiet ...` as a child
 * process in its own process group, the URL from its one stdout line, SIGTERM
 * to stop (the group is killed anyway if the worker ends first).
 * Assumes dist/ is built (the global setup builds it when missing or stale).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { hashPin } from '../../../main/config/pin';
import { killGroup, spawnInGroup, stopGroup } from '../../support/process-group';

export const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const HEADLESS_ENTRY = path.join(ROOT, 'dist', 'main', 'headless.cjs');
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'e2e', 'screenshots');

const READY_LINE = /^Booth kiosk \(headless\): (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9]+))\s*$/m;
const START_TIMEOUT_MS = 20_000;

export interface StartOptions {
  /** A config object (written as JSON) or raw file text; absent = no config file. */
  config?: object | string;
  /** Reuse a data dir (e.g. to restart on the same database). */
  dataDir?: string;
  /** Reuse a config file path as is (no write). */
  configPath?: string;
  packaged?: boolean;
  extraArgs?: string[];
  /** Extra environment for the host (e.g. the demo profile's simulator paths). */
  env?: NodeJS.ProcessEnv;
}

export interface Host {
  url: string;
  origin: string;
  port: number;
  token: string;
  dataDir: string;
  configPath: string | null;
  stderr(): string;
  stop(): Promise<void>;
}

export function makeTempDir(prefix = 'booth-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A loopback port with nothing listening (the kiosk shows offline). */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const hashCache = new Map<string, Promise<string>>();
/** scrypt hash as `booth set-pin` writes it (cached per PIN within a worker). */
export function pinHash(pin: string): Promise<string> {
  let hash = hashCache.get(pin);
  if (!hash) {
    hash = hashPin(pin);
    hashCache.set(pin, hash);
  }
  return hash;
}

type Json = { [key: string]: unknown };
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
function deepMerge(base: Json, extra: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(extra)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k] as Json, v) : v;
  return out;
}

export interface ConfigOptions {
  kioskName?: string;
  /** The admin PIN; null = no PIN set. Default 1357. */
  pin?: string | null;
  /** Merged over the defaults (deep). */
  extra?: Json;
}

/** A valid config tuned for fast tests: short idle times, a closed cloud port. */
export async function kioskConfig(options: ConfigOptions = {}): Promise<Json> {
  const pin = options.pin === undefined ? '1357' : options.pin;
  const base: Json = {
    kioskName: options.kioskName ?? 'Gate North',
    modules: [],
    timeZone: 'Asia/Jakarta',
    api: { baseUrl: `http://127.0.0.1:${await closedPort()}/api/`, timeoutSeconds: 2 },
    services: { probeIntervalSeconds: 2, fetchEnabled: false, syncEnabled: false },
    screen: { idleTimeoutSeconds: 5, language: 'en' },
    admin: {
      pinHash: pin === null ? null : await pinHash(pin),
      idleTimeoutSeconds: 10,
      lockoutBaseSeconds: 120,
    },
  };
  return options.extra ? deepMerge(base, options.extra) : base;
}

function childEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BOOTH_DATA_DIR: dataDir, XDG_DATA_HOME: dataDir };
  for (const key of ['BOOTH_CONFIG', 'BOOTH_BRIDGE_TOKEN', 'BOOTH_DEMO_CLOUD_URL', 'BOOTH_PORT']) delete env[key];
  return env;
}

export async function startHost(options: StartOptions = {}): Promise<Host> {
  if (!fs.existsSync(HEADLESS_ENTRY)) throw new Error(`${HEADLESS_ENTRY} is missing: run node scripts/build.mjs`);
  const dataDir = options.dataDir ?? makeTempDir();
  let configPath: string | null = options.configPath ?? null;
  if (!configPath && options.config !== undefined) {
    configPath = path.join(dataDir, 'config.json');
    const text = typeof options.config === 'string' ? options.config : `${JSON.stringify(options.config, null, 2)}\n`;
    fs.writeFileSync(configPath, text);
  }
  const args = [HEADLESS_ENTRY, '--port', '0', '--quiet', '--data-dir', dataDir];
  if (configPath) args.push('--config', configPath);
  if (options.packaged) args.push('--packaged');
  args.push(...(options.extraArgs ?? []));

  const child: ChildProcess = spawnInGroup(process.execPath, args, {
    cwd: ROOT,
    env: { ...childEnv(dataDir), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`headless host did not print its URL within ${START_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      const m = stdout.match(READY_LINE);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`headless host exited with code ${code} before it was ready\nstderr: ${stderr}\nstdout: ${stdout}`));
    });
  });

  const url = match[1]!;
  let stopped: Promise<void> | null = null;
  return {
    url,
    origin: new URL(url).origin,
    port: Number(match[2]),
    token: match[3]!,
    dataDir,
    configPath,
    stderr: () => stderr,
    stop() {
      stopped ??= stopGroup(child, { graceMs: 5000 });
      return stopped;
    },
  };
}
