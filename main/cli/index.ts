/**
 * Commands the app runs instead of the kiosk: `booth set-pin ...`,
 * `booth api-key ...`, `booth api-fingerprint ...`. On an
 * installed kiosk they run inside the packaged app itself (Electron's
 * runAsNode fuse is off, so the binary cannot be used as a plain Node).
 */
import { runApiFingerprint, type ApiFingerprintIo } from './api-fingerprint';
import { runApiKey, type ApiKeyIo } from './api-key';
import { runRelease } from './release';
import { runSetPin, type SetPinIo } from './set-pin';

export type CliIo = SetPinIo & ApiKeyIo & ApiFingerprintIo;

const commands: Record<string, (args: readonly string[], io: CliIo) => Promise<number>> = {
  'set-pin': runSetPin,
  'api-key': runApiKey,
  'api-fingerprint': runApiFingerprint,
  release: runRelease,
};

/**
 * The command in `args` (the app's own arguments, without the executable):
 * its first argument that is not a switch, when it names a command. Chromium's
 * switches (`--no-sandbox`, `--ozone-platform=headless`) may come before it.
 */
export function findCliCommand(args: readonly string[]): { name: string; run: (io: CliIo) => Promise<number> } | null {
  const at = args.findIndex((a) => !a.startsWith('-'));
  const name = at >= 0 ? args[at] : undefined;
  const command = name !== undefined && Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (!command || name === undefined) return null;
  const rest = args.slice(at + 1);
  return { name, run: (io) => command(rest, io) };
}
