/**
 * The screen's words for what main sends as codes: amounts written the
 * venue's way, and what a config field expects, said in English exactly as
 * main writes it (one shape, two writers) and in Indonesian.
 */
import i18next, { type TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../main/config';
import { reasonCodeSchema } from '../../preload/contract';
import en from '../../renderer/i18n/en.json';
import id from '../../renderer/i18n/id.json';
import { reasonValues } from '../../renderer/components/reasonValues';
import { expectationWords } from '../../renderer/screens/problem/expectationWords';

async function translator(lng: 'en' | 'id'): Promise<TFunction> {
  const i18n = i18next.createInstance();
  await i18n.init({ resources: { en: { translation: en }, id: { translation: id } }, lng, fallbackLng: 'en', interpolation: { escapeValue: false } });
  return i18n.t;
}

const noWords = () => null;
/** Intl writes a no-break space after "Rp", as it should: compare with plain spaces. */
const plain = (v: Record<string, string | number>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x.replace(/\u00a0/g, ' ') : x]));

describe('reason codes', () => {
  it('each code main may send has its words in both languages (else the screen would show main\'s English)', () => {
    for (const catalogue of [en, id] as const) {
      const reasons = (catalogue as { reason: Record<string, unknown> }).reason;
      const missing = reasonCodeSchema.options.filter((code) => !(code in reasons) && !(`${code}_other` in reasons));
      expect(missing).toEqual([]);
    }
  });
});

describe('reason values', () => {
  it('writes rupiah as people there do, whatever the screen language; other currencies their way', () => {
    for (const locale of ['id-ID', 'en-GB']) {
      expect(plain(reasonValues({ amount: 5000, coinValue: 500, currency: 'IDR' }, locale, noWords))).toMatchObject({ amount: 'Rp 5.000', coinValue: 'Rp 500' });
      expect(plain(reasonValues({ amount: 1250000, currency: 'IDR' }, locale, noWords)).amount).toBe('Rp 1.250.000');
    }
    expect(reasonValues({ amount: 5, currency: 'USD' }, 'id-ID', noWords).amount).toBe('$5.00');
  });

  it('leaves counts and an amount without its currency as they are', () => {
    expect(reasonValues({ amount: 5000, count: 3 }, 'id-ID', noWords)).toEqual({ amount: 5000, count: 3 });
    expect(reasonValues({ left: 60, needed: 80, currency: 'IDR' }, 'id-ID', noWords)).toMatchObject({ left: 60, needed: 80 });
  });

  it('says device, fault and flag words in the screen language, else as they came', () => {
    const words: Record<string, string> = { 'reason.device.scanner': 'pemindai', 'reason.fault.jam': 'macet' };
    const word = (key: string) => words[key] ?? null;
    expect(reasonValues({ device: 'scanner', fault: 'jam', path: '/dev/x' }, 'id-ID', word)).toEqual({ device: 'pemindai', fault: 'macet', path: '/dev/x' });
    expect(reasonValues({ device: 'receiver' }, 'id-ID', word)).toEqual({ device: 'receiver' });
  });
});

describe('what a config field expects', () => {
  const bad = [
    { kioskName: 42, screen: { language: 'fr', idleTimeoutSeconds: 0 }, scanner: {}, colour: 'blue', api_base_url: 'x' },
    { api: { baseUrl: 'not a url', timeoutSeconds: 'x', apiKeyHeader: 'bad header' }, logging: { level: 'INFO' }, timeZone: 'Mars/Base' },
    { api: { baseUrl: 'https://x.example/api' }, modules: ['gate', 'rides'], kiosk_id: 'k1', pin: '1234' },
    { api: { baseUrl: 'http://10.0.0.2/api/' }, gate: { attraction: '' }, lanApi: { enabled: true, host: 'anywhere' } },
    { payout: { amounts: [], coinValue: -1 }, sync: { concurrency: 1.5 }, admin: { pinHash: 'plain' } },
  ];
  const issues = bad.flatMap((raw) => {
    const r = parseConfigText(JSON.stringify(raw));
    return r.ok ? [] : r.issues;
  });
  issues.push(...(() => {
    const r = parseConfigText('{\n  "kioskName": "x",\n  oops\n}');
    return r.ok ? [] : r.issues;
  })());

  it('has its shape for every finding, so the screen can word each', () => {
    expect(issues.length).toBeGreaterThan(15);
    for (const issue of issues) expect(issue.expectedCoded, `${issue.field}: ${issue.expected}`).toBeDefined();
  });

  it('in English, the very words main writes to the log', async () => {
    const t = await translator('en');
    for (const issue of issues) expect(expectationWords(issue.expectedCoded!, t, 'en-GB'), issue.field).toBe(issue.expected);
  });

  it('in Indonesian, with names, choices and limits literal', async () => {
    const t = await translator('id');
    const words = Object.fromEntries(issues.map((i) => [i.field, expectationWords(i.expectedCoded!, t, 'id-ID')]));
    expect(words.kioskName).toBe('teks dalam tanda kutip (1 sampai 40 karakter)');
    expect(words['screen.language']).toBe('salah satu dari en, id');
    expect(words['logging.level']).toBe('salah satu dari error, warn, info, debug (huruf besar dan kecil dibedakan)');
    expect(words.colour).toBe('pengaturan ini tidak ada (periksa ejaannya; lihat docs/config.md)');
    expect(words.api_base_url).toBe('pengaturan ini tidak ada: maksudnya api.baseUrl?');
    expect(words['api.baseUrl']).toMatch(/^URL/);
    expect(words['(file)']).toBe('JSON yang valid (kesalahannya di baris 3, kolom 3)');
    for (const [field, text] of Object.entries(words)) expect(text, field).not.toMatch(/\b(one of|text in|no such|a whole number|a number|expected)\b/);
  });
});
