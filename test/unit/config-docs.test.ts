import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigDocs } from '../../scripts/config-docs';

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
});
