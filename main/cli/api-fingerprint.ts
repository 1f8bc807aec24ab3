/**
 * `booth api-fingerprint [--data-dir DIR]`: prints the SHA-256 fingerprint of
 * the LAN API's certificate (standard output: the fingerprint alone, for
 * scripts), read from the data folder without starting the kiosk. Clients
 * pin it. The kiosk makes the certificate at its first start with the API
 * enabled; this command never makes one (run as root, it would leave a key
 * the kiosk's user cannot read).
 */
import path from 'node:path';
import { certificateFiles, readFingerprint, readPublicKeyPin } from '../api';
import { resolveDataDir } from '../host/data-dir';

export interface ApiFingerprintIo {
  /** Messages (standard error). */
  output: NodeJS.WritableStream;
  /** Where the fingerprint goes (standard output); messages go there when absent. */
  stdout?: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** The host's own default data folder (Electron's userData), when it has one. */
  defaultDataDir?: () => string;
}

export async function runApiFingerprint(args: readonly string[], io: ApiFingerprintIo): Promise<number> {
  const stdout = io.stdout ?? io.output;
  const i = args.indexOf('--data-dir');
  const chosen = (i >= 0 ? args[i + 1] : args.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length)) ?? io.env.BOOTH_DATA_DIR;
  // ./booth runs this from the checkout; a relative path starts where ./booth was run.
  const dataDir = chosen ? path.resolve(io.env.BOOTH_CALLER_DIR ?? '', chosen) : resolveDataDir([], io.env, io.defaultDataDir?.() ?? null);
  const files = certificateFiles(dataDir);
  let fingerprint: string | null;
  try {
    fingerprint = readFingerprint(dataDir);
  } catch (error) {
    io.output.write(`api-fingerprint: ${(error as Error).message}\n`);
    return 1;
  }
  if (fingerprint === null) {
    io.output.write(
      `api-fingerprint: no certificate at ${files.certificate} yet. The kiosk makes it at its first start with lanApi.enabled true; then run this again (the data folder: --data-dir DIR or BOOTH_DATA_DIR; an installed kiosk's is /var/lib/booth).\n`,
    );
    return 1;
  }
  stdout.write(`${fingerprint}\n`);
  io.output.write(
    `SHA-256 fingerprint of the LAN API certificate ${files.certificate}: clients pin it.\n` +
      `For curl, the same certificate's key: --pinnedpubkey "${readPublicKeyPin(dataDir)}" --insecure (curl checks the key before it sends anything)\n`,
  );
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && /api-fingerprint\.(c?js|ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  void runApiFingerprint(process.argv.slice(2), { output: process.stderr, stdout: process.stdout, env: process.env }).then((code) => process.exit(code));
}
