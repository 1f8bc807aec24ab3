/**
 * The replica's streaming reader of a full export: rows handed out as they
 * complete, whatever the chunking; a cut-off, miscounted or malformed export
 * refused at the end (so nothing of it is committed).
 */
import { describe, expect, it } from 'vitest';
import { FullExportReader } from '../../main/replica/export-reader';

const EXPORT = '{"success":true,"exported_at":"2026-01-15T03:00:00.000Z","seq":7,"data":{"a":[{"id":1,"v":"]},\\"["},{"id":"x:2","n":{"deep":[1,{}]}}],"b":[]},"counts":{"a":2,"b":0}}';

function readAll(text: string, size: number) {
  const reader = new FullExportReader();
  const rows = [];
  for (let i = 0; i < text.length; i += size) rows.push(...reader.push(text.slice(i, i + size)));
  return { rows, summary: reader.finish() };
}

describe('full export reader', () => {
  it('hands out each row once, the same for any chunking, with seq and counts', () => {
    for (const size of [1, 2, 5, 17, 10_000]) {
      const { rows, summary } = readAll(EXPORT, size);
      expect(rows).toEqual([
        { table: 'a', row: { id: 1, v: ']},"[' } },
        { table: 'a', row: { id: 'x:2', n: { deep: [1, {}] } } },
      ]);
      expect(summary).toEqual({ seq: 7, exportedAt: '2026-01-15T03:00:00.000Z', counts: { a: 2, b: 0 }, records: 2 });
    }
  });

  it('refuses an export cut off, miscounted, without seq, with a row lacking an id, or with text after its end', () => {
    expect(() => readAll(EXPORT.slice(0, -1), 7)).toThrow(/cut off/);
    expect(() => readAll(EXPORT.slice(0, 60), 7)).toThrow(/cut off/);
    expect(() => readAll(EXPORT.replace('"a":2', '"a":3'), 7)).toThrow(/counts says 3, the export held 2/);
    expect(() => readAll(EXPORT.replace('"seq":7,', ''), 7)).toThrow(/no "seq"/);
    expect(() => readAll(EXPORT.replace('{"id":1,', '{"key":1,'), 7)).toThrow(/has no id/);
    expect(() => readAll(`${EXPORT}{}`, 7)).toThrow(/after the end/);
    expect(() => readAll('[1,2]', 7)).toThrow(/not a JSON object/);
    expect(() => readAll(EXPORT.replace('"data":{', '"data":[').replace(',"b":[]},', ',"b":[]],'), 7)).toThrow(/"data" is not an object/);
  });
});
