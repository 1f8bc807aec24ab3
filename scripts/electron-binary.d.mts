/** Types for scripts/electron-binary.mjs (imported by TypeScript tests). */
export declare function findElectronBinary(
  root: string,
  options?: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform },
): string | null;
export declare const ELECTRON_MISSING_REASON: string;
