/**
 * The PIN hash in effect, and its upgrade: a hash cheaper than today's cost
 * (an older `set-pin`) is replaced after the next correct entry. The new hash
 * goes into the config file when the kiosk may rewrite it (atomically, as the
 * file's owner, keeping the rest of its text, its mode and group); an
 * installed kiosk's config is root's and read-only to it, so there the new
 * hash is kept in the store, tied to the hash it replaces: a later `set-pin`
 * (another hash in the config) wins.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { hashPin, needsRehash, parseConfigText, rewriteFileKeepingAccess, setJsonString, type BoothConfig } from '../config';
import type { ScopedLog } from '../log';
import type { Store } from '../store';

const UPGRADE_KEY = 'admin.pinHashUpgrade';
const upgradeSchema = z.object({ replaces: z.string(), hash: z.string() });

export interface PinHashes {
  /** The hash a PIN is checked against now (null: no PIN set). */
  current(): string | null;
  /** After a correct entry: replaces a cheap hash. Never throws; says where the new hash went. */
  upgradeAfterCorrectEntry(pin: string): Promise<'config' | 'store' | 'not-needed' | 'failed'>;
}

/** Rewrites admin.pinHash in the config file, only if the file still holds `expected` and stays valid. */
function rewriteConfigHash(file: string, expected: string, next: string): void {
  const stat = fs.statSync(file);
  // A file owned by someone else (root's config on a kiosk) is not taken over.
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) throw new Error('the config belongs to another user');
  const before = fs.readFileSync(file, 'utf8');
  const raw = JSON.parse(before) as { admin?: Record<string, unknown> };
  if (raw.admin?.pinHash !== expected) throw new Error('the config holds another PIN hash now');
  // Only the hash's value changes, as with set-pin: the layout, mode and group stay.
  const text = setJsonString(before, ['admin', 'pinHash'], next);
  if (!parseConfigText(text).ok) throw new Error('the rewritten config would not be valid');
  rewriteFileKeepingAccess(file, text);
}

export function createPinHashes(deps: { config: BoothConfig; configPath: string | null; store: Store; log: ScopedLog; now: () => Date }): PinHashes {
  const { config, configPath, store, log } = deps;
  let fromConfig = config.admin.pinHash;

  const current = (): string | null => {
    if (fromConfig === null) return null;
    const upgrade = store.getSetting(UPGRADE_KEY, upgradeSchema);
    return upgrade && upgrade.replaces === fromConfig ? upgrade.hash : fromConfig;
  };

  return {
    current,
    async upgradeAfterCorrectEntry(pin) {
      const old = current();
      if (old === null || fromConfig === null || !needsRehash(old)) return 'not-needed';
      const replaces = fromConfig;
      try {
        const next = await hashPin(pin);
        if (configPath && fs.existsSync(configPath)) {
          try {
            rewriteConfigHash(configPath, replaces, next);
            fromConfig = next;
            log.info(`admin PIN hash upgraded to today's cost in ${configPath}`);
            return 'config';
          } catch (error) {
            log.info(`admin PIN hash upgrade kept in the store (${configPath} not rewritten: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
          }
        }
        store.setSetting(UPGRADE_KEY, { replaces, hash: next }, deps.now());
        return 'store';
      } catch (error) {
        log.warn(`admin PIN hash upgrade failed: ${(error as Error).message}`);
        return 'failed';
      }
    },
  };
}
