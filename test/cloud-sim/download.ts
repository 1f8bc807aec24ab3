/**
 * The ticket download body (`GET {base}{fetchEndpoint}`), kept serialized in
 * blocks of BLOCK_SIZE tickets: a GET streams the cached bytes and, after an
 * upload changed a few tickets, only their blocks are serialized again, so a
 * million-ticket download stays cheap between uploads. Also the deliberately
 * broken variants the import must survive.
 */
import { BLOCK_SIZE, type TicketStore } from './tickets';

export const malformedDownloadKinds = ['none', 'bad-json', 'wrong-types', 'one-bad-record'] as const;
export type MalformedDownload = (typeof malformedDownloadKinds)[number];

/** How one record of a malformed download is broken. */
export type RecordFault = 'pax-as-string' | 'missing-referenceNo' | 'negative-pax';

/**
 * Which record (by its index in the download) is broken, and how. Exported so
 * that tests know exactly which records a correct importer must skip:
 * - 'wrong-types': every odd index; index % 6 = 1 pax as a word ("two"),
 *   3 no referenceNo, 5 negative pax. Even indexes are good.
 * - 'one-bad-record': only the middle record (index floor(total / 2)), its pax as a word.
 */
export function recordFault(kind: MalformedDownload, index: number, total: number): RecordFault | null {
  if (kind === 'wrong-types') {
    switch (index % 6) {
      case 1:
        return 'pax-as-string';
      case 3:
        return 'missing-referenceNo';
      case 5:
        return 'negative-pax';
      default:
        return null;
    }
  }
  if (kind === 'one-bad-record') return index === Math.floor(total / 2) ? 'pax-as-string' : null;
  return null;
}

/** A 'bad-json' body is the good body cut here (a strict prefix of a JSON array never parses). */
export const BAD_JSON_FRACTION = 0.6;

export interface DownloadBody {
  etag: string;
  chunks: readonly Buffer[];
  bytes: number;
  records: number;
  /** Records broken on purpose, by index (empty unless a malformed kind). */
  faults: readonly { index: number; referenceNo: string; fault: RecordFault }[];
  buildMs: number;
}

const PAX_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

type Faults = DownloadBody['faults'];
interface CachedBlock {
  stamp: number;
  bytes: Buffer;
  faults: Faults;
}

export class DownloadCache {
  private cached: DownloadBody | null = null;
  /** Serialized blocks of BLOCK_SIZE tickets, reused until a ticket of the block changes. */
  private blocks: (CachedBlock | undefined)[] = [];
  private blocksKey = '';
  /** Changes when the simulator restarts, so an ETag from an earlier run never yields a wrong 304. */
  private readonly instance = Date.now().toString(36);
  private readonly prefixes = new WeakMap<readonly string[], readonly string[]>();

  constructor(private readonly store: TicketStore) {}

  etag(kind: MalformedDownload): string {
    return `"${this.instance}-${this.store.version}-${kind}"`;
  }

  /** The body for the current state; only blocks changed since the last build are serialized again. */
  body(kind: MalformedDownload): DownloadBody {
    const etag = this.etag(kind);
    if (this.cached?.etag !== etag) this.cached = this.build(kind, etag);
    return this.cached;
  }

  private build(kind: MalformedDownload, etag: string): DownloadBody {
    const started = performance.now();
    const total = this.store.size;
    // Which records are broken depends on the kind (and, for one-bad-record, on the total).
    const key = kind === 'one-bad-record' ? `${kind}:${total}` : kind;
    if (key !== this.blocksKey) {
      this.blocks = [];
      this.blocksKey = key;
    }
    this.blocks.length = this.store.blockCount;
    const chunks: Buffer[] = [OPEN];
    const faults: Faults[number][] = [];
    let bytes = OPEN.length + CLOSE.length;
    for (let b = 0; b < this.blocks.length; b++) {
      const stamp = this.store.blockStamp(b);
      let block = this.blocks[b];
      if (block?.stamp !== stamp) this.blocks[b] = block = this.serializeBlock(b, stamp, kind, total);
      if (b > 0) chunks.push(COMMA);
      chunks.push(block.bytes);
      bytes += block.bytes.length + (b > 0 ? COMMA.length : 0);
      faults.push(...block.faults);
    }
    chunks.push(CLOSE);
    if (kind === 'bad-json') {
      bytes = Math.max(1, Math.floor(bytes * BAD_JSON_FRACTION));
      truncate(chunks, bytes);
    }
    return { etag, chunks, bytes, records: total, faults, buildMs: performance.now() - started };
  }

  private serializeBlock(block: number, stamp: number, kind: MalformedDownload, total: number): CachedBlock {
    const faults: Faults[number][] = [];
    const parts: string[] = [];
    const end = Math.min(total, (block + 1) * BLOCK_SIZE);
    for (let index = block * BLOCK_SIZE; index < end; index++) {
      const fault = recordFault(kind, index, total);
      if (fault) faults.push({ index, referenceNo: this.store.referenceAt(index), fault });
      parts.push(this.serialize(index, fault));
    }
    return { stamp, bytes: Buffer.from(parts.join(','), 'utf8'), faults };
  }

  private serialize(index: number, fault: RecordFault | null): string {
    const store = this.store;
    const prefixes = this.attractionPrefixes(store.namesAt(index));
    let attractions = '';
    for (let i = 0; i < prefixes.length; i++) {
      const pax = store.paxAt(index, i);
      const paxText = fault === null ? pax : fault === 'pax-as-string' ? quote(PAX_WORDS[pax] ?? 'many') : fault === 'negative-pax' ? -1 - pax : pax;
      attractions += `${i > 0 ? ',' : ''}${prefixes[i]}${paxText},"used":${store.usedAt(index, i)}}`;
    }
    const reference = fault === 'missing-referenceNo' ? '' : `"referenceNo":${quote(store.referenceAt(index))},`;
    return `{"bookingDate":${quote(store.bookingDateAt(index))},${reference}"attractions":{${attractions}}}`;
  }

  /** `"A":{"pax":` for each name of a shared name list, computed once per list. */
  private attractionPrefixes(names: readonly string[]): readonly string[] {
    let prefixes = this.prefixes.get(names);
    if (!prefixes) this.prefixes.set(names, (prefixes = names.map((n) => `${JSON.stringify(n)}:{"pax":`)));
    return prefixes;
  }
}

const PLAIN = /^[\w\- .:/]*$/;
/** A JSON string literal; skips JSON.stringify for the plain references and dates that are nearly all of them. */
function quote(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

/** Cuts the chunk list in place to `bytes` bytes. */
function truncate(chunks: Buffer[], bytes: number): void {
  let kept = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    if (kept + chunk.length >= bytes) {
      chunks[i] = chunk.subarray(0, bytes - kept);
      chunks.length = i + 1;
      return;
    }
    kept += chunk.length;
  }
}

/** True when an `If-None-Match` header names this ETag (weak validators compare equal, `*` matches). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}
