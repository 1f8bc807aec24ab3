/** setJsonString: one value changed in a JSON file a person wrote, every other byte kept. */
import { describe, expect, it } from 'vitest';
import { setJsonString, setJsonValue } from '../../main/config';

const set = (text: string) => setJsonString(text, ['admin', 'pinHash'], 'H');

describe('editing one value of a config in place', () => {
  it('fills an empty file object and an empty section in the file\'s own indentation', () => {
    expect(set('{}\n')).toBe('{\n  "admin": {\n    "pinHash": "H"\n  }\n}\n');
    expect(set('{\n    "kioskName": "A",\n    "admin": {}\n}')).toBe('{\n    "kioskName": "A",\n    "admin": { "pinHash": "H" }\n}');
    expect(set('{\n\t"admin": {\n\t}\n}\n')).toBe('{\n\t"admin": {\n\t\t"pinHash": "H"\n\t}\n}\n');
  });

  it('replaces what stands where a section or the value should be, and the last of duplicate keys (as JSON.parse reads it)', () => {
    expect(set('{ "admin": null }')).toBe('{ "admin": { "pinHash": "H" } }');
    expect(set('{\n  "admin": "x"\n}')).toBe('{\n  "admin": {\n    "pinHash": "H"\n  }\n}');
    expect(set('{"admin":{"pinHash":"a","pinHash":"b"}}')).toBe('{"admin":{"pinHash":"a","pinHash":"H"}}');
    expect(JSON.parse(set('{"admin":{"pinHash":"a"},"admin":{"maxTries":3}}'))).toEqual({ admin: { maxTries: 3, pinHash: 'H' } });
  });

  it('leaves strings with braces, escapes and unicode alone', () => {
    const text = '{\n  "kioskName": "Gerbang \\"{A}\\" ✓",\n  "gate": { "referencePattern": "(\\\\d{8}-\\\\d{6})" },\n  "admin": { "maxTries": 5 }\n}\n';
    expect(set(text)).toBe(text.replace('"maxTries": 5 }', '"maxTries": 5, "pinHash": "H" }'));
  });

  it('refuses what is not a JSON object', () => {
    expect(() => set('[1]')).toThrow(/not a JSON object/);
    expect(() => set('{"a": }')).toThrow(/not JSON/);
  });

  it('sets a list (api-key\'s hashes): one item a line in a file laid out in lines, on one line otherwise', () => {
    const hashes = (text: string, list: string[]) => setJsonValue(text, ['lanApi', 'apiKeyHashes'], list);
    expect(hashes('{\n\t"lanApi": {\n\t\t"enabled": true,\n\t\t"apiKeyHashes": []\n\t},\n\t"kioskName": "A"\n}\n', ['h1', 'h2'])).toBe(
      '{\n\t"lanApi": {\n\t\t"enabled": true,\n\t\t"apiKeyHashes": [\n\t\t\t"h1",\n\t\t\t"h2"\n\t\t]\n\t},\n\t"kioskName": "A"\n}\n',
    );
    expect(hashes('{\n  "kioskName": "A"\n}\n', ['h1'])).toBe('{\n  "kioskName": "A",\n  "lanApi": {\n    "apiKeyHashes": [\n      "h1"\n    ]\n  }\n}\n');
    expect(hashes('{"lanApi":{"apiKeyHashes":["h1"]}}', ['h1', 'h2'])).toBe('{"lanApi":{"apiKeyHashes":["h1", "h2"]}}');
  });
});
