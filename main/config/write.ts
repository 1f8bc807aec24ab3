import fs from 'node:fs';
import path from 'node:path';

/**
 * Replaces `file` with `text` through a temporary file in the same folder and
 * a rename, so a reader (or a power cut) sees the old file or the new one,
 * never half of it. The new file gets `mode` (the config holds secrets: 0600
 * unless the caller keeps an existing file's mode).
 */
export function writeFileAtomically(file: string, text: string, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  fs.rmSync(tmp, { force: true });
  try {
    const fd = fs.openSync(tmp, 'wx', mode);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.chmodSync(tmp, mode); // the umask may have taken bits the caller asked for
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}
