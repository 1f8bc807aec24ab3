import { describe, expect, it } from 'vitest';
import { createLineSplitter, type LineTerminator, type ScannedLine } from '../../main/hardware';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const texts = (lines: ScannedLine[]) => lines.map((l) => l.text);

/** Feeds the input in chunks of the given sizes (cycled) and collects every line. */
function feed(terminator: LineTerminator, input: Buffer, chunkSizes: number[] = [input.length || 1], maxLength = 64): ScannedLine[] {
  const splitter = createLineSplitter({ terminator, maxLength });
  const out: ScannedLine[] = [];
  for (let i = 0, n = 0; i < input.length; n++) {
    const size = Math.max(1, chunkSizes[n % chunkSizes.length]!);
    out.push(...splitter.push(input.subarray(i, i + size)));
    i += size;
  }
  return out;
}

/** Every way of chunking that matters for a short input: whole, byte by byte, and uneven. */
const chunkings = [[Number.MAX_SAFE_INTEGER], [1], [2], [3, 1, 5]];

describe('scanner line splitter', () => {
  describe.each([
    ['CR', '\r'],
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ] as const)('terminator %s', (terminator, end) => {
    const input = bytes(`20260115-000001${end}ABC${end}https://t.example/20260115-000002${end}`);

    it.each(chunkings)('splits codes fed in chunks of %j', (...sizes) => {
      const lines = feed(terminator, input, sizes);
      expect(texts(lines)).toEqual(['20260115-000001', 'ABC', 'https://t.example/20260115-000002']);
      expect(lines.every((l) => !l.tooLong && !l.controlBytes && l.validUtf8)).toBe(true);
    });

    it('holds a code without its terminator until the terminator comes', () => {
      const splitter = createLineSplitter({ terminator, maxLength: 64 });
      expect(splitter.push(bytes('20260115-0000'))).toEqual([]);
      expect(splitter.bufferedBytes).toBe(13);
      expect(texts(splitter.push(bytes(`01${end}`)))).toEqual(['20260115-000001']);
      expect(splitter.bufferedBytes).toBe(0);
    });

    it('ignores empty lines', () => {
      expect(texts(feed(terminator, bytes(`${end}${end}A${end}${end}${end}B${end}`)))).toEqual(['A', 'B']);
    });

    it('reset() drops a partial line so it never joins the next code', () => {
      const splitter = createLineSplitter({ terminator, maxLength: 64 });
      splitter.push(bytes('HALF-A-SC'));
      splitter.reset();
      expect(splitter.bufferedBytes).toBe(0);
      expect(texts(splitter.push(bytes(`NEXT${end}`)))).toEqual(['NEXT']);
    });
  });

  describe('tolerated terminator variants', () => {
    it('CR swallows the LF of a CRLF scanner, even when the LF arrives in the next chunk', () => {
      expect(texts(feed('CR', bytes('A\r\nB\r\nC\r'), [1]))).toEqual(['A', 'B', 'C']);
      expect(texts(feed('CR', bytes('A\r\nB\r\n')))).toEqual(['A', 'B']);
    });

    it('CR treats a lone LF inside a line as data (a control byte)', () => {
      const [line] = feed('CR', bytes('A\nB\r'));
      expect(line).toMatchObject({ text: 'A\nB', controlBytes: true });
    });

    it('CRLF accepts a lone LF as the end of a line', () => {
      expect(texts(feed('CRLF', bytes('A\nB\r\nC\n'), [1]))).toEqual(['A', 'B', 'C']);
    });

    it('CRLF keeps a CR that is not followed by LF as data (a control byte)', () => {
      const lines = feed('CRLF', bytes('A\rB\r\n'), [1]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ text: 'A\rB', controlBytes: true });
    });

    it('LF keeps a CR as data: a CRLF scanner on an LF setting is visible, not silent', () => {
      expect(feed('LF', bytes('A\r\n'))[0]).toMatchObject({ text: 'A\r', controlBytes: true });
    });
  });

  describe('length cap', () => {
    const cap = 16;

    it.each(['CR', 'LF', 'CRLF'] as const)('%s: a line of exactly the cap is a normal line', (terminator) => {
      const code = 'X'.repeat(cap);
      const end = { CR: '\r', LF: '\n', CRLF: '\r\n' }[terminator];
      for (const sizes of chunkings) {
        const lines = feed(terminator, bytes(`${code}${end}`), sizes, cap);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatchObject({ text: code, tooLong: false });
      }
    });

    it.each(['CR', 'LF', 'CRLF'] as const)('%s: one byte over the cap is reported once as too long', (terminator) => {
      const end = { CR: '\r', LF: '\n', CRLF: '\r\n' }[terminator];
      for (const sizes of chunkings) {
        const lines = feed(terminator, bytes(`${'X'.repeat(cap + 1)}${end}NEXT${end}`), sizes, cap);
        expect(lines.map((l) => [l.tooLong, l.text])).toEqual([
          [true, 'X'.repeat(cap)],
          [false, 'NEXT'],
        ]);
        expect(lines[0]!.bytes).toHaveLength(cap);
      }
    });

    it('reports a too-long line at once, before its terminator, and drops the rest of it', () => {
      const splitter = createLineSplitter({ terminator: 'CR', maxLength: cap });
      const first = splitter.push(bytes('Y'.repeat(cap + 1)));
      expect(first).toHaveLength(1);
      expect(first[0]!.tooLong).toBe(true);
      // A megabyte more of the same line: nothing reported, nothing kept.
      expect(splitter.push(Buffer.alloc(1024 * 1024, 0x59))).toEqual([]);
      expect(splitter.bufferedBytes).toBe(0);
      expect(texts(splitter.push(bytes('\rOK\r')))).toEqual(['OK']);
    });

    it('rejects a cap that is not a positive integer', () => {
      expect(() => createLineSplitter({ terminator: 'CR', maxLength: 0 })).toThrow(RangeError);
    });
  });

  describe('what the gate needs to call a scan UNREADABLE', () => {
    it('flags control bytes (NUL, ESC, DEL, C1) and binary noise', () => {
      const [nul, esc, del, c1, clean] = feed(
        'CR',
        Buffer.concat([bytes('A\x00B\r'), bytes('\x1b[2J\r'), bytes('A\x7f\r'), Buffer.from('A\u0085\r', 'utf8'), bytes('AB-12\r')]),
      );
      expect([nul, esc, del, c1, clean].map((l) => l!.controlBytes)).toEqual([true, true, true, true, false]);
    });

    it('keeps raw bytes and marks invalid UTF-8', () => {
      const [line] = feed('CR', Buffer.from([0xff, 0xfe, 0x41, 0x0d]));
      expect(line!.validUtf8).toBe(false);
      expect([...line!.bytes]).toEqual([0xff, 0xfe, 0x41]);
      expect(line!.text).toBe('\ufffd\ufffdA');
    });

    it('decodes UTF-8 split across chunks (a QR code with non-ASCII text)', () => {
      const lines = feed('CR', Buffer.from('Tiket Ánjungan ✓ 🎟️\r', 'utf8'), [1]);
      expect(lines[0]).toMatchObject({ text: 'Tiket Ánjungan ✓ 🎟️', validUtf8: true, controlBytes: false });
    });
  });

  describe('10,000 random and hostile lines', () => {
    /** Seeded, so a failure reproduces. */
    function random(seed: number) {
      let a = seed >>> 0;
      const next = () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const int = (max: number) => Math.floor(next() * max);
      return { next, int, pick: <T>(items: readonly T[]) => items[int(items.length)]! };
    }

    const cap = 256;
    const hostileTexts = [
      "20260115-000001'; DROP TABLE tickets;--",
      "' OR '1'='1",
      '<script>alert(1)</script>',
      '{{7*7}}${7*7}',
      '../../../../etc/passwd',
      '%00%0d%0a',
      'Z̴̡̛͚a̷l̶g̸o̶',
      '\u202eRTL override',
      '🎟️🎟️🎟️',
      'https://tickets.example/t/20260115-000001?x=1',
      '20260115-000001-dummy',
      ' ',
    ];

    /** One hostile line that never contains a terminator byte, so the expected result is exact. */
    function hostileLine(rng: ReturnType<typeof random>): Buffer {
      switch (rng.int(7)) {
        case 0: // binary noise without CR/LF
          return Buffer.from(Array.from({ length: 1 + rng.int(80) }, () => rng.pick([0, 1, 7, 9, 27, 127, 128, 200, 255, 65, 48])));
        case 1: // very long
          return Buffer.alloc(cap + 1 + rng.int(20_000), 0x41 + rng.int(26));
        case 2: // around the cap
          return Buffer.alloc(cap - 1 + rng.int(3), 0x30 + rng.int(10));
        case 3:
          return Buffer.from(rng.pick(hostileTexts), 'utf8');
        case 4: // random unicode (BMP and astral), may include C1 controls
          return Buffer.from(
            Array.from({ length: 1 + rng.int(60) }, () => String.fromCodePoint(rng.pick([0x80 + rng.int(0x780), 0x4e00 + rng.int(500), 0x1f300 + rng.int(200)]))).join(''),
            'utf8',
          );
        case 5:
          return Buffer.alloc(0); // empty
        default: // an ordinary code
          return Buffer.from(`2026${String(rng.int(1e4)).padStart(4, '0')}-${String(rng.int(1e6)).padStart(6, '0')}`);
      }
    }

    it.each(['CR', 'LF', 'CRLF'] as const)('%s: exact results, never throws, buffer stays within the cap', (terminator) => {
      const rng = random(0xb00 + terminator.length);
      const end = Buffer.from({ CR: '\r', LF: '\n', CRLF: '\r\n' }[terminator], 'latin1');
      const input: Buffer[] = [];
      const expected: { tooLong: boolean; bytes: Buffer }[] = [];
      for (let i = 0; i < 10_000; i++) {
        const line = hostileLine(rng);
        input.push(line, end);
        if (line.length > 0) expected.push({ tooLong: line.length > cap, bytes: line.subarray(0, cap) });
      }
      const stream = Buffer.concat(input);
      const splitter = createLineSplitter({ terminator, maxLength: cap });
      const lines: ScannedLine[] = [];
      for (let i = 0; i < stream.length; ) {
        const size = 1 + rng.int(rng.next() < 0.1 ? 5000 : 40);
        lines.push(...splitter.push(stream.subarray(i, i + size)));
        expect(splitter.bufferedBytes).toBeLessThanOrEqual(cap);
        i += size;
      }
      expect(lines).toHaveLength(expected.length);
      lines.forEach((line, i) => {
        const want = expected[i]!;
        expect(line.tooLong).toBe(want.tooLong);
        expect(line.bytes.equals(want.bytes)).toBe(true);
        expect(line.bytes.length).toBeLessThanOrEqual(cap);
        expect(line.controlBytes).toBe(/[\u0000-\u001f\u007f-\u009f]/.test(line.bytes.toString('utf8')));
      });
    });

    it('pure random bytes (terminators included) never throw nor grow the buffer', () => {
      const rng = random(42);
      for (const terminator of ['CR', 'LF', 'CRLF'] as const) {
        const splitter = createLineSplitter({ terminator, maxLength: cap });
        let count = 0;
        for (let i = 0; i < 2_000; i++) {
          const chunk = Buffer.from(Array.from({ length: 1 + rng.int(1000) }, () => rng.int(256)));
          for (const line of splitter.push(chunk)) {
            count++;
            expect(line.bytes.length).toBeGreaterThan(0);
            expect(line.bytes.length).toBeLessThanOrEqual(cap);
          }
          expect(splitter.bufferedBytes).toBeLessThanOrEqual(cap);
        }
        expect(count).toBeGreaterThan(1000);
      }
    });
  });
});
