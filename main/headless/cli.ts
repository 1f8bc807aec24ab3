/**
 * Runs the kiosk without Electron: `node dist/main/headless.cjs [--config FILE]
 * [--data-dir DIR] [--port N] [--packaged]`. Prints the URL to open, with its token.
 */
import path from 'node:path';
import { findAppRoot, startKioskHost } from '../host';
import { startHeadlessServer, tokenProblem } from './server';

function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const given = process.env.BOOTH_BRIDGE_TOKEN;
  const problem = given === undefined || given === '' ? null : tokenProblem(given);
  if (problem) {
    process.stderr.write(`Booth could not start: BOOTH_BRIDGE_TOKEN: ${problem}. Leave it unset for a random one.\n`);
    process.exit(2);
  }
  const appRoot = findAppRoot(__dirname);
  const kiosk = await startKioskHost({
    argv,
    env: process.env,
    appRoot,
    isPackaged: argv.includes('--packaged'),
    defaultDataDir: null,
    logToConsole: !argv.includes('--quiet'),
  });
  const port = Number(argValue(argv, '--port') ?? process.env.BOOTH_PORT ?? 0);
  const server = await startHeadlessServer({
    kiosk,
    rendererDir: path.join(appRoot, 'dist', 'renderer'),
    port,
    ...(process.env.BOOTH_BRIDGE_TOKEN ? { token: process.env.BOOTH_BRIDGE_TOKEN } : {}),
  });
  process.stdout.write(`Booth kiosk (headless): ${server.url}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    kiosk.log.info(`stopping on ${signal}`);
    await server.close();
    await kiosk.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Booth could not start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
