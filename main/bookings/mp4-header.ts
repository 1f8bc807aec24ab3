/**
 * What the process step needs of an MP4 segment (its duration, and whether
 * its streams can be joined with the others without re-encoding), read from
 * its `moov` box in Node instead of starting ffprobe: a 2-hour match is 120
 * one-minute segments, and an ffprobe costs ~70 ms of start-up (seconds on a
 * Pi). Anything unusual (no moov yet, a fragmented file, another container)
 * answers null and the caller asks ffprobe.
 */
import fs from 'node:fs';

/** A moov larger than this is not read here (a 1-minute segment's is a few tens of KB). */
const MAX_MOOV = 16 * 1024 * 1024;

interface Box {
  type: string;
  start: number;
  end: number;
}

/** The boxes directly inside buf[from, to). */
function boxes(buf: Buffer, from: number, to: number): Box[] {
  const out: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) break;
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header || at + size > to) break;
    out.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return out;
}

const child = (buf: Buffer, box: Box | undefined, type: string) => (box ? boxes(buf, box.start, box.end).find((b) => b.type === type) : undefined);

/** The moov box's bytes, found by walking the top-level boxes of the file. */
function readMoov(file: string): Buffer | null {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(16);
    let at = 0;
    while (at + 8 <= size) {
      if (fs.readSync(fd, head, 0, 16, at) < 8) return null;
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (boxSize === 1) boxSize = Number(head.readBigUInt64BE(8));
      else if (boxSize === 0) boxSize = size - at;
      if (boxSize < 8 || at + boxSize > size) return null;
      if (type === 'moof') return null; // fragmented: its duration is not in the moov
      if (type === 'moov') {
        if (boxSize > MAX_MOOV) return null;
        const moov = Buffer.alloc(boxSize);
        if (fs.readSync(fd, moov, 0, boxSize, at) !== boxSize) return null;
        return moov;
      }
      at += boxSize;
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Duration in seconds and a signature of the streams' codecs and picture (as probe() gives), or null. */
export function mp4Header(file: string): { duration: number; signature: string } | null {
  let moov: Buffer | null;
  try {
    moov = readMoov(file);
  } catch {
    return null;
  }
  if (!moov) return null;
  const root = boxes(moov, 0, moov.length)[0];
  const mvhd = child(moov, root, 'mvhd');
  if (!mvhd || mvhd.end - mvhd.start < 32) return null;
  const v1 = moov[mvhd.start] === 1;
  const timescale = moov.readUInt32BE(mvhd.start + (v1 ? 20 : 12));
  const ticks = v1 ? Number(moov.readBigUInt64BE(mvhd.start + 24)) : moov.readUInt32BE(mvhd.start + 16);
  if (timescale === 0 || ticks === 0) return null;
  const parts: string[] = [];
  for (const trak of boxes(moov, root!.start, root!.end).filter((b) => b.type === 'trak')) {
    const mdia = child(moov, trak, 'mdia');
    const hdlr = child(moov, mdia, 'hdlr');
    const stsd = child(moov, child(moov, child(moov, mdia, 'minf'), 'stbl'), 'stsd');
    if (!hdlr || !stsd) return null;
    const handler = moov.toString('latin1', hdlr.start + 8, hdlr.start + 12);
    if (handler !== 'vide' && handler !== 'soun') continue;
    const entry = boxes(moov, stsd.start + 8, stsd.end)[0];
    if (!entry) return null;
    if (handler === 'vide') {
      if (entry.end - entry.start < 78) return null;
      const width = moov.readUInt16BE(entry.start + 24);
      const height = moov.readUInt16BE(entry.start + 26);
      // Profile and level of the codec's configuration (avcC: its first 4 bytes; hvcC: its first 13).
      const config = boxes(moov, entry.start + 78, entry.end).find((b) => b.type === 'avcC' || b.type === 'hvcC');
      const profile = config ? moov.subarray(config.start, Math.min(config.end, config.start + (config.type === 'avcC' ? 4 : 13))).toString('hex') : '';
      parts.push(`video:${entry.type}:${width}:${height}:${profile}`);
    } else {
      if (entry.end - entry.start < 28) return null;
      parts.push(`audio:${entry.type}:${moov.readUInt16BE(entry.start + 16)}:${moov.readUInt32BE(entry.start + 24) >>> 16}`);
    }
  }
  if (!parts.some((p) => p.startsWith('video:'))) return null;
  return { duration: ticks / timescale, signature: `mp4|${parts.join('|')}` };
}
