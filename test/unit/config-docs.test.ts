import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueLine, parseConfigText } from '../../main/config';
import { renderConfigDocs } from '../../scripts/config-docs';
import { replicaConfigSchema } from '../../main/replica';

const read = (file: string) => fs.readFileSync(path.resolve(import.meta.dirname, '../..', file), 'utf8');
const jsonBlocks = (markdown: string) => [...markdown.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/config.md', () => {
  it('is the reference generated from the schema (run `npm run config-docs` after changing it)', () => {
    const file = path.resolve(import.meta.dirname, '../../docs/config.md');
    expect(fs.readFileSync(file, 'utf8')).toBe(renderConfigDocs());
  });

  it('lists every setting with its default', () => {
    const text = renderConfigDocs();
    for (const key of ['api.baseUrl', 'api.retryAttempts', 'services.fetchIntervalSeconds', 'logging.backupCount', 'admin.pinHash', 'timeZone', 'modules']) {
      expect(text).toContain(`\`${key}\``);
    }
    expect(text).toContain('`"bookings/summary"`');
  });

  it('has config examples that a kiosk accepts as they are (the walk-through, the gate and payout examples)', () => {
    const blocks = ['docs/operations.md', 'README.md'].flatMap((file) => jsonBlocks(read(file)).map((text) => ({ file, text })));
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const { file, text } of blocks) {
      const parsed = parseConfigText(text);
      expect(parsed.ok ? [] : parsed.issues.map(issueLine), `${file}:\n${text}`).toEqual([]);
    }
  });

  it('walks a newcomer through the first real kiosk: config, PIN, scanner path, time zone', () => {
    const operations = read('docs/operations.md');
    const walk = operations.slice(operations.indexOf('## Your first real kiosk'), operations.indexOf('## 1. Building'));
    for (const must of ['./booth set-pin --config', './booth start --config', '/dev/serial/by-id/', '/dev/booth-scanner', 'timeZone', 'Wrong day']) {
      expect(walk).toContain(must);
    }
    const walkthrough = jsonBlocks(walk)[0];
    const parsed = parseConfigText(walkthrough ?? '');
    expect(parsed.ok && parsed.config.modules).toEqual(['gate']);
    const readme = read('README.md');
    for (const flag of ['--config FILE', '--data-dir DIR', '--port N', 'BOOTH_DATA_DIR', 'apt-get install -y chromium socat', '.ci/run']) expect(readme).toContain(flag);
  });

  it('has an office replica config example that booth replica accepts', () => {
    const blocks = [...read('docs/operations.md').matchAll(/```json office-replica\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(1);
    const parsed = replicaConfigSchema.safeParse(JSON.parse(blocks[0]!));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });
});
