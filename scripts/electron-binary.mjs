// Where the Electron binary of this checkout is, by path only: requiring
// 'electron' from plain Node would try to download it (electron's index.js).
import fs from 'node:fs';
import path from 'node:path';

/** The binary's path inside an Electron dist folder, per platform (as electron's own index.js). */
function binaryInDist(distDir, platform = process.platform) {
  if (platform === 'darwin') return path.join(distDir, 'Electron.app', 'Contents', 'MacOS', 'Electron');
  if (platform === 'win32') return path.join(distDir, 'electron.exe');
  return path.join(distDir, 'electron');
}

function isExecutableFile(file) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, process.platform === 'win32' ? fs.constants.F_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Absolute path of the Electron binary for the checkout at `root`, or null when
 * it is not installed (npm ci with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or offline).
 * Honours ELECTRON_OVERRIDE_DIST_PATH like electron's own index.js.
 * @param {string} root
 * @param {{ env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform }} [options]
 * @returns {string | null}
 */
export function findElectronBinary(root, options = {}) {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const candidates = [];
  if (env.ELECTRON_OVERRIDE_DIST_PATH) candidates.push(binaryInDist(path.resolve(env.ELECTRON_OVERRIDE_DIST_PATH), platform));
  const pkgDir = path.resolve(root, 'node_modules', 'electron');
  // electron's install.js writes the binary's path, relative to dist/, into path.txt.
  try {
    const relative = fs.readFileSync(path.join(pkgDir, 'path.txt'), 'utf8').trim();
    if (relative) candidates.push(path.join(pkgDir, 'dist', relative));
  } catch {
    /* not installed */
  }
  candidates.push(binaryInDist(path.join(pkgDir, 'dist'), platform));
  return candidates.find(isExecutableFile) ?? null;
}

/** The message shown wherever the binary is needed but missing. */
export const ELECTRON_MISSING_REASON = 'Electron binary not installed (node_modules/electron/dist/electron)';
