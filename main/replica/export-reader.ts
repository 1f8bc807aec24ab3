/**
 * Reads a full export (`{"success":true,"exported_at":…,"seq":N,"data":{"<table>":[rows]},"counts":{…}}`)
 * as it streams in, handing out each row as soon as it is complete, so a
 * replica never holds the whole export in memory. A scanner that follows
 * strings and nesting finds where each row (an element of a table's array
 * inside `data`) and each other top-level value begins and ends; each is then
 * parsed by JSON.parse, which does the validating. Anything that is not a
 * whole, well-formed export (cut off, counts that disagree with the rows, a
 * row without an id) is an error at `finish()`, and nothing is committed.
 */
import type { Row } from './store';

/** A single row, or a top-level value other than `data`, larger than this is refused (a broken or hostile peer). */
const MAX_VALUE_CHARS = 16 * 1024 * 1024;

export interface ExportSummary {
  seq: number;
  exportedAt: string;
  counts: Record<string, number>;
  records: number;
}

export class ExportFormatError extends Error {}

type Capture = { kind: 'key' | 'value' | 'row'; start: number };

export class FullExportReader {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escape = false;
  /** The object at depth 1 (the export) or 2 (`data`) expects a key next. */
  private keyExpected = false;
  private valueExpected = false;
  private inData = false;
  private key: string | null = null;
  private table: string | null = null;
  private capture: Capture | null = null;
  private done = false;
  private readonly meta: Record<string, unknown> = {};
  private readonly received = new Map<string, number>();

  /** Feeds the next piece of text; returns the rows completed by it. */
  push(text: string): { table: string; row: Row }[] {
    const out: { table: string; row: Row }[] = [];
    // Only a value still being captured is kept from the text before: scanning goes on where it stopped.
    const scanned = this.buf.length;
    const buf = this.buf + text;
    for (let i = scanned; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.capture?.kind === 'key') this.endKey(buf.slice(this.capture.start, i + 1));
        }
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (this.done) throw new ExportFormatError('text after the end of the export');
      const closing = c === 0x7d || c === 0x5d;
      if (this.valueExpected) {
        this.valueExpected = false;
        // An empty array closes where its first element would have begun.
        if (!closing) this.startValue(c, i);
      }
      switch (c) {
        case 0x22: // "
          this.inString = true;
          if (this.keyExpected && (this.depth === 1 || (this.depth === 2 && this.inData))) {
            this.keyExpected = false;
            this.capture = { kind: 'key', start: i };
          }
          break;
        case 0x7b: // {
        case 0x5b: // [
          this.depth++;
          if (this.depth === 1) {
            if (c !== 0x7b) throw new ExportFormatError('the export is not a JSON object');
            this.keyExpected = true;
          } else if (this.depth === 2 && this.inData && this.key === 'data') this.keyExpected = true;
          else if (this.depth === 3 && this.inData && this.table !== null) this.valueExpected = true;
          break;
        case 0x3a: // :
          if (this.depth === 1 || (this.depth === 2 && this.inData)) this.valueExpected = true;
          break;
        case 0x2c: // ,
          if (this.depth === 1) {
            this.endValue(buf, i);
            this.keyExpected = true;
          } else if (this.depth === 2 && this.inData) this.keyExpected = true;
          else if (this.depth === 3 && this.inData) {
            this.endRow(buf, i, out);
            this.valueExpected = true;
          }
          break;
        case 0x7d: // }
        case 0x5d: // ]
          if (this.depth === 3 && this.inData) {
            this.endRow(buf, i, out);
            this.table = null;
          } else if (this.depth === 2 && this.inData) this.inData = false;
          else if (this.depth === 1) {
            this.endValue(buf, i);
            this.done = true;
          }
          this.depth--;
          if (this.depth < 0) throw new ExportFormatError('unbalanced brackets');
          break;
        default:
          break;
      }
      if (this.capture && i - this.capture.start > MAX_VALUE_CHARS) throw new ExportFormatError(`a value longer than ${MAX_VALUE_CHARS} characters`);
    }
    if (this.capture) {
      this.buf = buf.slice(this.capture.start);
      this.capture.start = 0;
    } else this.buf = '';
    return out;
  }

  /** After the last piece: the export's seq and counts, checked against the rows handed out. */
  finish(): ExportSummary {
    if (!this.done) throw new ExportFormatError('the export was cut off before its end');
    if (this.meta.success !== true) throw new ExportFormatError('the export does not say "success": true');
    const seq = this.meta.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw new ExportFormatError('the export has no "seq" (a kiosk without the change feed?)');
    const counts = this.meta.counts;
    if (!counts || typeof counts !== 'object' || Array.isArray(counts)) throw new ExportFormatError('the export has no "counts"');
    const tables = new Set([...Object.keys(counts), ...this.received.keys()]);
    let records = 0;
    for (const table of tables) {
      const said = (counts as Record<string, unknown>)[table];
      const got = this.received.get(table) ?? 0;
      if (said !== got) throw new ExportFormatError(`table ${table}: counts says ${String(said)}, the export held ${got} rows`);
      records += got;
    }
    const exportedAt = typeof this.meta.exported_at === 'string' ? this.meta.exported_at : '';
    return { seq, exportedAt, counts: counts as Record<string, number>, records };
  }

  private startValue(c: number, i: number) {
    if (this.depth === 1) {
      if (this.key === 'data') {
        if (c !== 0x7b) throw new ExportFormatError('"data" is not an object');
        this.inData = true;
      } else this.capture = { kind: 'value', start: i };
    } else if (this.depth === 2 && this.inData) {
      if (c !== 0x5b) throw new ExportFormatError(`data.${this.table}: not an array`);
    } else if (this.depth === 3 && this.inData) this.capture = { kind: 'row', start: i };
  }

  private endKey(raw: string) {
    this.capture = null;
    const name = JSON.parse(raw) as string;
    if (this.depth === 1) this.key = name;
    else {
      if (this.received.has(name)) throw new ExportFormatError(`table ${name} twice in the export`);
      this.table = name;
      this.received.set(name, 0);
    }
  }

  private endValue(buf: string, end: number) {
    if (this.capture?.kind !== 'value' || this.key === null) return;
    const raw = buf.slice(this.capture.start, end);
    this.capture = null;
    try {
      this.meta[this.key] = JSON.parse(raw);
    } catch {
      throw new ExportFormatError(`"${this.key}" is not valid JSON`);
    }
  }

  private endRow(buf: string, end: number, out: { table: string; row: Row }[]) {
    if (this.capture?.kind !== 'row') return;
    const raw = buf.slice(this.capture.start, end);
    this.capture = null;
    const table = this.table!;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch {
      throw new ExportFormatError(`a row of ${table} is not valid JSON`);
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) throw new ExportFormatError(`a row of ${table} is not an object`);
    const id = (row as Row).id;
    if (!((typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && id.length > 0))) throw new ExportFormatError(`a row of ${table} has no id`);
    this.received.set(table, this.received.get(table)! + 1);
    out.push({ table, row: row as Row });
  }
}
