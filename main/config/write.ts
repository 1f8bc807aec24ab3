import fs from 'node:fs';
import path from 'node:path';

/** Who the replaced file belonged to; the new one is given back to them. */
export interface FileOwner {
  uid: number;
  gid: number;
}

/**
 * Replaces `file` with `text` through a temporary file in the same folder and
 * a rename, so a reader (or a power cut) sees the old file or the new one,
 * never half of it. The new file gets `mode` (the config holds secrets: 0600
 * unless the caller keeps an existing file's mode) and, when given, `owner`.
 */
export function writeFileAtomically(file: string, text: string, mode = 0o600, owner?: FileOwner): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  fs.rmSync(tmp, { force: true });
  try {
    const fd = fs.openSync(tmp, 'wx', mode);
    try {
      fs.writeFileSync(fd, text);
      if (owner) {
        const made = fs.fstatSync(fd);
        if (made.uid !== owner.uid || made.gid !== owner.gid) fs.fchownSync(fd, owner.uid, owner.gid);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.chmodSync(tmp, mode); // the umask may have taken bits the caller asked for (and chown clears setgid)
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Rewrites an existing file (through a link to where it really is) with the
 * same mode, owner and group, so a config that is root:booth 0640 stays
 * readable by the kiosk and no more. `withoutModeBits` are taken away (a file
 * about to hold a secret is not left readable by everyone). When this user
 * may not give the file to its owner, nothing is written and the error says so.
 * Returns the modes before and after.
 */
export function rewriteFileKeepingAccess(file: string, text: string, withoutModeBits = 0): { modeBefore: number; mode: number } {
  const target = fs.realpathSync(file);
  const stat = fs.statSync(target);
  const modeBefore = stat.mode & 0o7777;
  const mode = modeBefore & ~withoutModeBits;
  try {
    writeFileAtomically(target, text, mode, { uid: stat.uid, gid: stat.gid });
    return { modeBefore, mode };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPERM') {
      throw new Error(`${file} belongs to ${stat.uid}:${stat.gid}, and this user (${process.getuid?.() ?? '?'}) may not write a file for them; run the command as root or as the file's owner. Nothing was written.`);
    }
    throw error;
  }
}
