/** `./booth start` flags (scripts/start-options.mjs): a real config, its data folder and the headless port. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PROFILES as HOST_DEMOS } from '../../main/host/demo';
import { DEMO_PROFILES, startOptions } from '../../scripts/start-options.mjs';
import { tempDir } from '../support/temp';

describe('./booth start options', () => {
  it('runs a named config with its data folder on the given port, paths taken from where ./booth was run', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'gate.json'), '{}');
    const options = startOptions(['--config', 'gate.json', '--data-dir', 'data', '--port', '8080'], {}, { electron: false, home: dir, cwd: dir });
    expect(options).toMatchObject({ port: 8080, config: path.join(dir, 'gate.json'), configNamed: true, dataDir: path.join(dir, 'data'), demo: false });
    // The kiosk (run in the checkout) gets absolute paths, and the port only once, from start itself.
    expect(options.kioskArgs).toEqual(['--config', path.join(dir, 'gate.json'), '--data-dir', path.join(dir, 'data')]);
  });

  it('takes --name=value too, and the environment when no flag is given', () => {
    const dir = tempDir();
    const flags = startOptions(['--headless', '--port=9090', '--data-dir=/srv/booth', '--lang', 'id'], { BOOTH_PORT: '7070' }, { electron: false, home: dir, cwd: dir });
    expect(flags).toMatchObject({ headless: true, port: 9090, dataDir: '/srv/booth', configNamed: false, config: '/srv/booth/config.json', demo: true });
    expect(flags.kioskArgs).toEqual(['--lang', 'id', '--data-dir', '/srv/booth']);
    const fromEnv = startOptions([], { BOOTH_PORT: '7070', BOOTH_DATA_DIR: 'kiosk-data', BOOTH_CONFIG: '/etc/booth/config.json' }, { electron: false, home: dir, cwd: dir });
    expect(fromEnv).toMatchObject({ port: 7070, dataDir: path.join(dir, 'kiosk-data'), config: '/etc/booth/config.json', configNamed: true, kioskArgs: [] });
  });

  it('runs the demo only when no config is named and the data folder has none', () => {
    const dir = tempDir();
    expect(startOptions(['--data-dir', dir], {}, { electron: false, home: dir, cwd: dir }).demo).toBe(true);
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    // The data folder given by flag is where config.json is looked for (it used to be only BOOTH_DATA_DIR).
    expect(startOptions(['--data-dir', dir], {}, { electron: false, home: dir, cwd: dir }).demo).toBe(false);
    // A named config that is missing is not the demo either: start says it is missing.
    expect(startOptions(['--config', 'nope.json'], {}, { electron: false, home: dir, cwd: dir })).toMatchObject({ demo: false, configNamed: true });
    // Electron's data folder is its userData.
    expect(startOptions([], { XDG_CONFIG_HOME: path.join(dir, 'cfg') }, { electron: true, home: dir, cwd: dir }).dataDir).toBe(path.join(dir, 'cfg', 'Booth'));
  });

  it('refuses a port that is not one', () => {
    expect(startOptions(['--port', 'eighty'], {}, { electron: false, cwd: '/' }).port).toBeNull();
    expect(startOptions([], { BOOTH_PORT: '70000' }, { electron: false, cwd: '/' }).port).toBeNull();
    expect(startOptions([], {}, { electron: false, cwd: '/' }).port).toBe(0);
  });

  it('--demo cafe or intake runs that demo, even where the data folder has a config; an unknown one or one with --config is refused', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    const cafe = startOptions(['--data-dir', dir, '--demo', 'cafe'], {}, { electron: false, home: dir, cwd: dir });
    expect(cafe).toMatchObject({ demo: true, demoProfile: 'cafe', problem: null });
    // The host reads --demo itself, so it goes on to the kiosk.
    expect(cafe.kioskArgs).toEqual(['--demo', 'cafe', '--data-dir', dir]);
    expect(startOptions(['--data-dir', dir], { BOOTH_DEMO: 'intake' }, { electron: false, home: dir, cwd: dir })).toMatchObject({ demo: true, demoProfile: 'intake' });
    expect(startOptions(['--demo=arcade'], {}, { electron: false, home: dir, cwd: dir }).problem).toMatch(/unknown demo "arcade".*gate, cafe, intake/);
    expect(startOptions(['--demo', 'cafe', '--config', 'config.json'], {}, { electron: false, home: dir, cwd: dir }).problem).toMatch(/name one of them/);
    // start.mjs and the host know the same demos.
    expect(DEMO_PROFILES).toEqual(Object.keys(HOST_DEMOS));
  });
});
