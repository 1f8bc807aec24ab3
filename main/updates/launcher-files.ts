/**
 * The files the kiosk and the launcher (native/booth-launcher, under systemd)
 * exchange in `<dataDir>/updates/`:
 * - staged/release.json + staged/<file>: a verified release (the updater).
 * - install.json: the kiosk asks the launcher to install the staged release
 *   at the next start ({version, file, size, sha512}).
 * - ready: the running version reached "ready", i.e. the customer screen is up
 *   (the kiosk writes its version): the launcher confirms a release on it.
 * - reverted.json: the launcher went back, or could not install ({version, to, reason, at}); the
 *   kiosk reports it once and removes the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { StagedRelease } from './updater';

export const revertedSchema = z.object({
  version: z.string().max(256),
  to: z.string().max(256).nullable().optional(),
  reason: z.string().max(500).optional(),
  at: z.string().max(64).optional(),
});
export type RevertedNote = z.output<typeof revertedSchema>;

export function launcherFiles(dir: string) {
  const file = (name: string) => path.join(dir, name);
  const writeAtomic = (name: string, text: string) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file(`${name}.tmp`), text);
    fs.renameSync(file(`${name}.tmp`), file(name));
  };
  return {
    requestInstall(staged: StagedRelease) {
      const { version, file: name, size, sha512 } = staged;
      writeAtomic('install.json', `${JSON.stringify({ version, file: name, size, sha512 })}\n`);
    },
    installRequested(): { version: string } | null {
      try {
        const v = z.object({ version: z.string() }).safeParse(JSON.parse(fs.readFileSync(file('install.json'), 'utf8')));
        return v.success ? v.data : null;
      } catch {
        return null;
      }
    },
    clearInstallRequest() {
      fs.rmSync(file('install.json'), { force: true });
    },
    markReady(version: string) {
      writeAtomic('ready', `${version}\n`);
    },
    /** The launcher's note of a revert, or null; an unreadable note is reported as such. */
    takeReverted(): RevertedNote | null {
      let text: string;
      try {
        text = fs.readFileSync(file('reverted.json'), 'utf8');
      } catch {
        return null;
      }
      fs.rmSync(file('reverted.json'), { force: true });
      try {
        const parsed = revertedSchema.safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
      } catch {
        // fall through
      }
      return { version: 'unknown', reason: `unreadable note: ${text.slice(0, 200)}` };
    },
  };
}
