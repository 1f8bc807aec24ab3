/**
 * The simulated venue's ticket table (CONTRACTS.md "Gate tickets"): what the
 * download serves and what uploads change, plus the per-ticket record of
 * admission ids already applied, so the simulator can sum admissions exactly
 * and tests can check that each one counted exactly once.
 *
 */
import { z } from 'zod';
import { seededRandom } from './random';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const count = z.number().int().min(0);

/** One ticket as the contract's download carries it. */
export const ticketRecordSchema = z.object({
  bookingDate: isoDate,
  referenceNo: z.string().min(1),
  attractions: z.record(z.string().min(1), z.object({ pax: count, used: count.default(0) })),
});
export type TicketRecord = z.output<typeof ticketRecordSchema>;
export type TicketRecordInput = z.input<typeof ticketRecordSchema>;
export interface AttractionCount {
  pax: number;
  used: number;
}

export const generateSpecSchema = z.object({
  count: z.number().int().min(0).max(10_000_000),
  date: isoDate,
  attractions: z.array(z.string().min(1)).min(1).default(['A', 'B', 'C']),
  /** Each attraction's pax is drawn uniformly from this range (min 0 gives some "not for this attraction"). */
  pax: z.object({ min: count, max: count }).default({ min: 1, max: 4 }),
  seed: z.number().int().default(1),
  /** Number of the first reference (YYYYMMDD-000001 by default); numbers pad to 6 digits and grow past 999999. */
  firstNumber: z.number().int().min(0).default(1),
});
export type GenerateSpec = z.input<typeof generateSpecSchema>;

export interface AppliedAdmission {
  id: string;
  persons: number;
  at: string;
}

/** What `tickets.get` returns: the contract record plus the admissions applied per attraction. */
export interface TicketView extends TicketRecord {
  admissions: Record<string, AppliedAdmission[]>;
}

export interface TicketTotals {
  tickets: number;
  pax: number;
  used: number;
  byAttraction: Record<string, AttractionCount>;
}

export interface AdmissionCounters {
  /** Admission events received in uploads, repeats included. */
  arrivals: number;
  /** Distinct admission ids seen. */
  distinct: number;
  /** Admissions added to a count (each id at most once per ticket and attraction). */
  applied: number;
  /** Arrivals dropped because that id was already applied. */
  repeats: number;
}

export interface IncomingAdmission {
  id: string;
  attraction: string;
  persons: number;
  at: string;
}

/** Tickets per download block: the download re-serializes only blocks changed since the last one. */
export const BLOCK_SIZE = 4096;

/**
 * Tickets are held as columns (one entry per ticket index, in download order)
 * and their counts in typed-array slabs, rather than an object per ticket: a
 * million tickets are then a few large arrays, cheap for the garbage collector
 * of a benchmark that runs the simulator in its own process.
 */
export class TicketStore {
  private readonly indexByRef = new Map<string, number>();
  private readonly refs: string[] = [];
  private readonly dates: string[] = [];
  /** Attraction names per ticket; one shared frozen list per distinct set. */
  private readonly namesOf: (readonly string[])[] = [];
  /** Where a ticket's counts start in the slabs (attraction i at offset + i). */
  private offsets = new Int32Array(1024);
  private paxSlab = new Int32Array(4096);
  private usedSlab = new Int32Array(4096);
  private slabLength = 0;
  /** Slab position (ticket and attraction) → admission id → what was applied. */
  private readonly applied = new Map<number, Map<string, AppliedAdmission>>();
  /** Per block: the value of `changes` when one of its tickets last changed. */
  private readonly blockStamps: number[] = [];
  private readonly nameLists = new Map<string, readonly string[]>();
  private readonly arrivalsById = new Map<string, number>();
  private readonly admissionCounters: AdmissionCounters = { arrivals: 0, distinct: 0, applied: 0, repeats: 0 };
  private changes = 0;

  /** Bumped on every change; the download's ETag is derived from it. */
  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.refs.length;
  }

  /** Adds or replaces tickets (a replaced ticket keeps its place and starts afresh: no admissions applied). */
  seed(records: readonly TicketRecordInput[]): void {
    for (const input of records) {
      const record = ticketRecordSchema.parse(input);
      const names = this.internNames(Object.keys(record.attractions));
      const at = this.put(record.referenceNo, record.bookingDate, names);
      names.forEach((name, i) => {
        this.paxSlab[at + i] = record.attractions[name]!.pax;
        this.usedSlab[at + i] = record.attractions[name]!.used;
      });
    }
  }

  /**
   * Adds `count` deterministic tickets for one date: references
   * YYYYMMDD-000001…, pax drawn from `seed`. Returns the first and last reference.
   */
  generate(spec: GenerateSpec): { count: number; first: string | null; last: string | null } {
    const { count: n, date, attractions, pax, seed, firstNumber } = generateSpecSchema.parse(spec);
    const random = seededRandom(seed);
    const names = this.internNames(attractions);
    const prefix = `${date.replaceAll('-', '')}-`;
    for (let i = 0; i < n; i++) {
      const at = this.put(prefix + String(firstNumber + i).padStart(6, '0'), date, names);
      for (let a = 0; a < names.length; a++) {
        this.paxSlab[at + a] = random.int(pax.min, pax.max);
        this.usedSlab[at + a] = 0;
      }
    }
    const ref = (k: number) => (n > 0 ? prefix + String(firstNumber + k).padStart(6, '0') : null);
    return { count: n, first: ref(0), last: ref(n - 1) };
  }

  clear(): void {
    this.indexByRef.clear();
    this.refs.length = 0;
    this.dates.length = 0;
    this.namesOf.length = 0;
    this.slabLength = 0;
    this.applied.clear();
    this.blockStamps.length = 0;
    this.changes++;
  }

  has(referenceNo: string): boolean {
    return this.indexByRef.has(referenceNo);
  }

  get(referenceNo: string): TicketView | undefined {
    const index = this.indexByRef.get(referenceNo);
    if (index === undefined) return undefined;
    const at = this.offsets[index]!;
    const attractions: Record<string, AttractionCount> = {};
    const admissions: Record<string, AppliedAdmission[]> = {};
    this.namesOf[index]!.forEach((name, i) => {
      attractions[name] = { pax: this.paxSlab[at + i]!, used: this.usedSlab[at + i]! };
      admissions[name] = [...(this.applied.get(at + i)?.values() ?? [])];
    });
    return { bookingDate: this.dates[index]!, referenceNo, attractions, admissions };
  }

  /** Counts of the given attractions of a ticket, as the upload's answer reports them. */
  counts(referenceNo: string, names: Iterable<string>): Record<string, AttractionCount> {
    const out: Record<string, AttractionCount> = {};
    for (const name of names) {
      const at = this.position(referenceNo, name);
      if (at >= 0) out[name] = { pax: this.paxSlab[at]!, used: this.usedSlab[at]! };
    }
    return out;
  }

  totals(): TicketTotals {
    const byAttraction: Record<string, AttractionCount> = {};
    let pax = 0;
    let used = 0;
    for (let index = 0; index < this.refs.length; index++) {
      const at = this.offsets[index]!;
      this.namesOf[index]!.forEach((name, i) => {
        const a = (byAttraction[name] ??= { pax: 0, used: 0 });
        a.pax += this.paxSlab[at + i]!;
        a.used += this.usedSlab[at + i]!;
        pax += this.paxSlab[at + i]!;
        used += this.usedSlab[at + i]!;
      });
    }
    return { tickets: this.refs.length, pax, used, byAttraction };
  }

  /** References in download order. */
  references(): readonly string[] {
    return this.refs;
  }

  // Row access by index for the download serializer (no object per ticket).
  referenceAt(index: number): string {
    return this.refs[index]!;
  }
  bookingDateAt(index: number): string {
    return this.dates[index]!;
  }
  namesAt(index: number): readonly string[] {
    return this.namesOf[index]!;
  }
  paxAt(index: number, attraction: number): number {
    return this.paxSlab[this.offsets[index]! + attraction]!;
  }
  usedAt(index: number, attraction: number): number {
    return this.usedSlab[this.offsets[index]! + attraction]!;
  }

  get blockCount(): number {
    return Math.ceil(this.refs.length / BLOCK_SIZE);
  }

  /** Changes whenever a ticket of the block changes. */
  blockStamp(block: number): number {
    return this.blockStamps[block] ?? 0;
  }

  /** Names among `names` that the ticket does not have (the upload is then refused). */
  unknownAttractions(referenceNo: string, names: Iterable<string>): string[] {
    return [...names].filter((n) => this.position(referenceNo, n) < 0);
  }

  /**
   * The "server that reads admissions": adds each admission's persons once,
   * dropping an id already applied to this ticket and attraction. Returns how
   * many were applied and how many were repeats.
   */
  applyAdmissions(referenceNo: string, admissions: readonly IncomingAdmission[]): { applied: number; repeats: number } {
    let applied = 0;
    let repeats = 0;
    for (const a of admissions) {
      const at = this.position(referenceNo, a.attraction);
      if (at < 0) throw new Error(`ticket ${referenceNo} has no attraction ${a.attraction}`);
      const seen = this.arrivalsById.get(a.id) ?? 0;
      this.arrivalsById.set(a.id, seen + 1);
      if (seen === 0) this.admissionCounters.distinct++;
      this.admissionCounters.arrivals++;
      let ids = this.applied.get(at);
      if (!ids) this.applied.set(at, (ids = new Map()));
      if (ids.has(a.id)) {
        repeats++;
        continue;
      }
      ids.set(a.id, { id: a.id, persons: a.persons, at: a.at });
      this.usedSlab[at] = this.usedSlab[at]! + a.persons;
      applied++;
    }
    this.admissionCounters.applied += applied;
    this.admissionCounters.repeats += repeats;
    if (applied > 0) this.touch(this.indexByRef.get(referenceNo)!);
    return { applied, repeats };
  }

  /** The "server that reads only absolute counts": used = what was sent, last writer wins. */
  applyAbsolute(referenceNo: string, attractions: Record<string, { used: number }>): void {
    for (const [name, { used }] of Object.entries(attractions)) {
      const at = this.position(referenceNo, name);
      if (at < 0) throw new Error(`ticket ${referenceNo} has no attraction ${name}`);
      this.usedSlab[at] = used;
    }
    this.touch(this.indexByRef.get(referenceNo)!);
  }

  /** How many times an admission id arrived (1 means it was never repeated). */
  admissionArrivals(id: string): number {
    return this.arrivalsById.get(id) ?? 0;
  }

  /** Every admission id with its arrival count (for `/__sim/stats?detail=1`). */
  arrivals(): Record<string, number> {
    return Object.fromEntries(this.arrivalsById);
  }

  admissionStats(): AdmissionCounters {
    return { ...this.admissionCounters };
  }

  /** Slab position of a ticket's attraction, or -1. */
  private position(referenceNo: string, attraction: string): number {
    const index = this.indexByRef.get(referenceNo);
    if (index === undefined) return -1;
    const i = this.namesOf[index]!.indexOf(attraction);
    return i < 0 ? -1 : this.offsets[index]! + i;
  }

  /** Places a ticket (new, or replacing one in its place) and returns where its counts go in the slabs. */
  private put(referenceNo: string, bookingDate: string, names: readonly string[]): number {
    let index = this.indexByRef.get(referenceNo);
    if (index === undefined) {
      index = this.refs.length;
      this.indexByRef.set(referenceNo, index);
      this.refs.push(referenceNo);
      this.dates.push(bookingDate);
      this.namesOf.push(names);
      if (index >= this.offsets.length) this.offsets = grow(this.offsets, index + 1);
    } else {
      // Replaced: forget its applied admissions; its old counts stay unused in the slab.
      const old = this.offsets[index]!;
      for (let i = 0; i < this.namesOf[index]!.length; i++) this.applied.delete(old + i);
      this.dates[index] = bookingDate;
      this.namesOf[index] = names;
    }
    const at = this.slabLength;
    this.slabLength += names.length;
    if (this.slabLength > this.paxSlab.length) {
      this.paxSlab = grow(this.paxSlab, this.slabLength);
      this.usedSlab = grow(this.usedSlab, this.slabLength);
    }
    this.offsets[index] = at;
    this.touch(index);
    return at;
  }

  private touch(index: number): void {
    this.blockStamps[Math.floor(index / BLOCK_SIZE)] = ++this.changes;
  }

  /** One frozen name list per distinct attraction set, shared by its tickets. */
  private internNames(names: readonly string[]): readonly string[] {
    const key = JSON.stringify(names);
    let list = this.nameLists.get(key);
    if (!list) this.nameLists.set(key, (list = Object.freeze([...names])));
    return list;
  }
}

/** A copy of `array` with room for at least `needed` entries (doubling, so appends stay amortized O(1)). */
function grow(array: Int32Array, needed: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(Math.max(needed, array.length * 2));
  bigger.set(array);
  return bigger;
}
