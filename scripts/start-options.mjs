// What `./booth start` (`npm start`) was asked for, read from its arguments and
// environment the way the kiosk host reads them (main/host, main/config):
//   --config FILE     the config (else BOOTH_CONFIG, else config.json in the data folder)
//   --data-dir DIR    the data folder: database, log, config.json (else BOOTH_DATA_DIR)
//   --port N          the headless host's port (else BOOTH_PORT, else a free one)
//   --headless        the headless host even where Electron is installed
//   --demo NAME       a demo profile (gate, cafe, intake; else BOOTH_DEMO), even where the data folder has a config
// Each also as --name=value. Everything but --headless and --port goes on to the kiosk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The demo profiles main/host/demo.ts knows (`gate` is the default). */
export const DEMO_PROFILES = ['gate', 'cafe', 'intake'];

/** The value of the first `--name VALUE` or `--name=VALUE`, or undefined (as the kiosk host reads them). */
export function flagValue(args, name) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i].startsWith(`${name}=`)) return args[i].slice(name.length + 1);
  }
  return undefined;
}

/** `args` without `--name VALUE` / `--name=VALUE`. */
function withoutFlag(args, name) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) i++;
    else if (!args[i].startsWith(`${name}=`)) out.push(args[i]);
  }
  return out;
}

/**
 * @param {string[]} args the arguments after `start`
 * @param {NodeJS.ProcessEnv} env
 * @param {{ electron: boolean, home?: string, cwd?: string }} host whether Electron will run the kiosk;
 *   `cwd`: where relative paths start (the folder ./booth was run from, which it leaves for the checkout)
 */
export function startOptions(args, env, { electron, home = os.homedir(), cwd = env.BOOTH_CALLER_DIR || env.INIT_CWD || process.cwd() }) {
  const headless = args.includes('--headless');
  const portText = flagValue(args, '--port') ?? env.BOOTH_PORT ?? '0';
  const port = /^\d{1,5}$/.test(portText) && Number(portText) <= 65_535 ? Number(portText) : null;
  const from = (p) => path.resolve(cwd, p);
  const configArg = flagValue(args, '--config');
  const dataDirArg = flagValue(args, '--data-dir');
  const configFile = configArg ? from(configArg) : env.BOOTH_CONFIG ? from(env.BOOTH_CONFIG) : null;
  // Where the host looks for config.json when none is named: as main/host resolveDataDir does, per host.
  const fallback = electron
    ? path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'Booth') // Electron's userData
    : path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'booth');
  const dataDir = dataDirArg ? from(dataDirArg) : env.BOOTH_DATA_DIR ? from(env.BOOTH_DATA_DIR) : fallback;
  const config = configFile ?? path.join(dataDir, 'config.json');
  const demoAsked = flagValue(args, '--demo') ?? (env.BOOTH_DEMO || null);
  // The kiosk gets the paths absolute: it runs in the checkout, not where ./booth was run.
  const others = ['--headless', '--port', '--config', '--data-dir'].reduce((rest, flag) => (flag === '--headless' ? rest.filter((a) => a !== flag) : withoutFlag(rest, flag)), args);
  const kioskArgs = [...others, ...(configArg ? ['--config', configFile] : []), ...(dataDirArg ? ['--data-dir', dataDir] : [])];
  return {
    headless,
    /** null: not a port number. */
    port,
    portText,
    portGiven: flagValue(args, '--port') !== undefined,
    kioskArgs,
    dataDir,
    /** The config the kiosk will read, and whether it was named (a named one that is missing is an error, not the demo). */
    config,
    configNamed: configFile !== null,
    demo: configFile === null && (demoAsked !== null || !fs.existsSync(config)),
    /** The demo profile asked for (main/host/demo.ts), null for the default. */
    demoProfile: demoAsked,
    /** Why these flags cannot run, or null. */
    problem:
      demoAsked !== null && !DEMO_PROFILES.includes(demoAsked)
        ? `unknown demo "${demoAsked}" (--demo or BOOTH_DEMO); known: ${DEMO_PROFILES.join(', ')}`
        : demoAsked !== null && configFile !== null
          ? '--demo runs a demo profile, --config a real kiosk: name one of them'
          : null,
  };
}
