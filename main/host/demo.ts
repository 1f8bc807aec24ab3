/**
 * The demo profiles of a source checkout (`npm start -- --demo NAME`): a
 * config from resources/, pointed at the simulators scripts/start.mjs started
 * (cloud on loopback, devices on pty pairs) through BOOTH_DEMO_* variables.
 */
import fs from 'node:fs';
import path from 'node:path';
import { configSchema, issueLine, parseConfigText, type BoothConfig } from '../config';

/** Each demo and its config in resources/; `gate` is the default. */
export const DEMO_PROFILES = { gate: 'demo-config.json', cafe: 'demo-cafe.json', intake: 'demo-intake.json' } as const;
export type DemoProfile = keyof typeof DEMO_PROFILES;

const isProfile = (name: string): name is DemoProfile => Object.hasOwn(DEMO_PROFILES, name);

/** The demo asked for by `--demo NAME` (or `--demo=NAME`), else BOOTH_DEMO; null when none was asked for. */
export function askedDemo(argv: readonly string[], env: NodeJS.ProcessEnv): string | null {
  const i = argv.indexOf('--demo');
  const fromArg = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--demo='))?.slice('--demo='.length);
  return fromArg ?? (env.BOOTH_DEMO || null);
}

/** The profile for a name asked for (null: the default); an unknown name is an error naming the known ones. */
export function demoProfile(asked: string | null): DemoProfile {
  if (asked === null) return 'gate';
  if (!isProfile(asked)) throw new Error(`unknown demo "${asked}"; known: ${Object.keys(DEMO_PROFILES).join(', ')}`);
  return asked;
}

/** The demo's data folder: one per profile, so a café never opens the gate's database. */
export const demoDataDir = (dataDir: string, profile: DemoProfile): string => path.join(dataDir, profile === 'gate' ? 'demo' : `demo-${profile}`);

export function demoConfig(appRoot: string, profile: DemoProfile, env: NodeJS.ProcessEnv): BoothConfig {
  const file = DEMO_PROFILES[profile];
  const parsed = parseConfigText(fs.readFileSync(path.join(appRoot, 'resources', file), 'utf8'));
  if (!parsed.ok) throw new Error(`resources/${file} is invalid: ${parsed.issues.map(issueLine).join('; ')}`);
  const config = parsed.config;
  if (env.BOOTH_DEMO_CLOUD_URL) config.api.baseUrl = env.BOOTH_DEMO_CLOUD_URL;
  if (env.BOOTH_DEMO_SCANNER_PATH) config.devices.scanner.path = env.BOOTH_DEMO_SCANNER_PATH;
  if (env.BOOTH_DEMO_LORA_PATH) config.intake.receiver.path = env.BOOTH_DEMO_LORA_PATH;
  return configSchema.parse(config);
}

/** Demo panel scans go in at the simulator's end of the scanner's pty, as a real scanner's bytes would. */
export function demoScanner(env: NodeJS.ProcessEnv): ((code: string) => Promise<void>) | undefined {
  const simEnd = env.BOOTH_DEMO_SCANNER_SIM;
  if (!simEnd) return undefined;
  return (code) => fs.promises.writeFile(simEnd, `${code}\r`, { flag: 'a' });
}
