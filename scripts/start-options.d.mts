/** Types for scripts/start-options.mjs (imported by TypeScript tests). */
export declare const DEMO_PROFILES: string[];
export declare function flagValue(args: readonly string[], name: string): string | undefined;
export declare function startOptions(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  host: { electron: boolean; home?: string; cwd?: string },
): {
  headless: boolean;
  port: number | null;
  portText: string;
  portGiven: boolean;
  kioskArgs: string[];
  dataDir: string;
  config: string;
  configNamed: boolean;
  demo: boolean;
  demoProfile: string | null;
  problem: string | null;
};
