/** Where the kiosk keeps its data; light enough for commands that must not load the kiosk (`booth api-fingerprint`). */
import os from 'node:os';
import path from 'node:path';

/** `--data-dir DIR`, else BOOTH_DATA_DIR, else the host's own folder (`fallback`), else the per-user data folder. */
export function resolveDataDir(argv: readonly string[], env: NodeJS.ProcessEnv, fallback: string | null): string {
  const i = argv.indexOf('--data-dir');
  const fromArg = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length);
  if (fromArg) return path.resolve(fromArg);
  if (env.BOOTH_DATA_DIR) return path.resolve(env.BOOTH_DATA_DIR);
  if (fallback) return fallback;
  const base = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'booth');
}
