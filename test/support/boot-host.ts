/**
 * Boots the kiosk host once and prints its boot info as JSON on stdout, then
 * stops: for tests that must run the host as another user (a real EACCES).
 * `node --import tsx test/support/boot-host.ts <host args...>`
 */
import { findAppRoot, startKioskHost } from '../../main/host';

const running = await startKioskHost({
  argv: process.argv.slice(2),
  env: {},
  appRoot: findAppRoot(import.meta.dirname),
  isPackaged: true,
  defaultDataDir: null,
  logToConsole: false,
});
process.stdout.write(`${JSON.stringify(running.boot)}\n`);
await running.stop();
