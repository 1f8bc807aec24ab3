/**
 * `booth api-key --config FILE`: makes a new key for the kiosk's LAN API,
 * adds its SHA-256 hash to `lanApi.apiKeyHashes` in the config (the rest of
 * the file kept as it was, as set-pin does) and prints the key once, on
 * standard output: only its hash is kept anywhere. `--print-only` writes no
 * file and prints the key and the hash to add by hand. Revoke a key by
 * removing its hash from the config.
 */
import { createApiKey, hashApiKey } from '../api';
import { configArgument, writeConfigValue } from './config-file';

export interface ApiKeyIo {
  /** Messages (standard error, so standard output holds only the key). */
  output: NodeJS.WritableStream;
  /** Where the key goes (standard output); messages go there when absent. */
  stdout?: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const USAGE = 'usage: booth api-key --config FILE   (adds the new key\'s hash to lanApi.apiKeyHashes and prints the key once)\n       booth api-key --print-only      (prints a key and its hash, changes no file)\n';

/** The hashes already in the file's `lanApi.apiKeyHashes` (when that is a list of strings), then `hash`. */
function withHash(data: Record<string, unknown> | null, hash: string): string[] {
  const section = data?.lanApi;
  const listed = section && typeof section === 'object' && !Array.isArray(section) ? (section as Record<string, unknown>).apiKeyHashes : undefined;
  const kept = Array.isArray(listed) ? listed.filter((h): h is string => typeof h === 'string') : [];
  return [...kept, hash];
}

export async function runApiKey(args: readonly string[], io: ApiKeyIo): Promise<number> {
  const stdout = io.stdout ?? io.output;
  const key = createApiKey();
  const hash = hashApiKey(key);
  if (args.includes('--print-only')) {
    stdout.write(`${key}\n`);
    io.output.write(`Add this hash to lanApi.apiKeyHashes in the config: ${hash}\nThe key above is shown only now; clients send it in the X-API-Key header.\n`);
    return 0;
  }
  const configPath = configArgument(args, io.env);
  if (!configPath) {
    io.output.write(USAGE);
    return 2;
  }
  let note: string | null;
  let enabled = false;
  try {
    note = (
      await writeConfigValue(configPath, ['lanApi', 'apiKeyHashes'], (data) => {
        const section = data?.lanApi as Record<string, unknown> | undefined;
        enabled = section?.enabled === true;
        return withHash(data, hash);
      })
    ).note;
  } catch (error) {
    io.output.write(`api-key: ${(error as Error).message}\n`);
    return 1;
  }
  stdout.write(`${key}\n`);
  io.output.write(
    `A new LAN API key is above, shown only now: clients send it in the X-API-Key header. Its hash (${hash.slice(0, 19)}…) is in lanApi.apiKeyHashes of ${configPath}${note ? ` (${note})` : ''}.\n` +
      `${enabled ? '' : 'Set lanApi.enabled to true in the config, then r'}${enabled ? 'R' : ''}estart the kiosk to use it; clients pin the certificate printed by: booth api-fingerprint\n`,
  );
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && /api-key\.(c?js|ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  void runApiKey(process.argv.slice(2), { output: process.stderr, stdout: process.stdout, env: process.env }).then((code) => process.exit(code));
}
