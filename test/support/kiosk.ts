import path from 'node:path';
import { manualClock } from '../../main/clock';
import { configSchema, type BoothConfigInput } from '../../main/config';
import { createKiosk, type KioskOptions } from '../../main/kiosk';
import { memoryLogger } from '../../main/log';
import type { HttpFetch, Platform } from '../../main/platform';

/** Hash of PIN 2468 with cheap scrypt parameters, so tests stay fast. */
export const TEST_PIN = '2468';

export function testPlatform(dataDir: string, overrides: Partial<Platform> = {}) {
  const clock = manualClock();
  const log = memoryLogger();
  const offline: HttpFetch = () => Promise.reject(new Error('network unplugged (test)'));
  const platform: Platform = { version: '0.0.0-test', isPackaged: false, dataDir, clock, fetch: offline, log, ...overrides };
  return { platform, clock, log };
}

export async function testKiosk(dataDir: string, input: BoothConfigInput, overrides: Partial<Platform> = {}, options: Partial<KioskOptions> = {}) {
  const config = configSchema.parse(input);
  const { platform, clock, log } = testPlatform(dataDir, overrides);
  const kiosk = await createKiosk(config, platform, { configPath: path.join(dataDir, 'config.json'), databaseFile: path.join(dataDir, 'booth.db'), ...options });
  return { kiosk, config, platform, clock: (overrides.clock as typeof clock | undefined) ?? clock, log };
}
