/**
 * The intake under kill -9: the real headless host (a child process) reading
 * the simulated receiver on a pty, killed like a power cut between the
 * buffer's commit and the worker's, inside the worker's transaction, and at
 * random moments while packets stream in. After each restart every buffered
 * payload is processed exactly once: none lost, none made into two animals.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IntakeBoard, PayloadRow } from '../../preload/contract';
import { openLoraSimulator, type LoraSimulator } from '../sim/lora-sim';
import { createPtyPair, type PtyPair } from '../sim/pty';
import { HostStartError, startHeadless, type HeadlessHost } from '../support/headless';
import { until } from '../support/payout';
import { tempDir } from '../support/temp';

let pty: PtyPair;
let radio: LoraSimulator;
let dataDir: string;
let configFile: string;

// Each test its own kiosk, pty and radio (tempDir is removed after each test).
beforeEach(async () => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/main/headless.cjs'))) throw new Error('run `node scripts/build.mjs` first');
  dataDir = tempDir();
  fs.mkdirSync(path.join(dataDir, 'pty'));
  pty = await createPtyPair(path.join(dataDir, 'pty'));
  radio = await openLoraSimulator(pty.simPath);
  configFile = path.join(dataDir, 'config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      kioskName: 'Crash intake',
      modules: ['intake'],
      services: { probeIntervalSeconds: 3600 },
      intake: { receiver: { path: pty.devicePath, reconnectMaxSeconds: 1 } },
      logging: { level: 'warn' },
    }),
  );
});

afterEach(async () => {
  await radio?.close();
  await pty?.close();
});

const gone = (host: HeadlessHost) => host.child.exitCode !== null || host.child.signalCode !== null;

/** Starts the host and waits for its receiver; null when a crash point was reached while starting. */
async function start(env: NodeJS.ProcessEnv = {}): Promise<HeadlessHost | null> {
  let host: HeadlessHost;
  try {
    host = await startHeadless({ dataDir, config: configFile, env });
  } catch (error) {
    if (error instanceof HostStartError && error.exit.signal === 'SIGKILL') return null;
    throw error;
  }
  const ready = await until('receiver connected', async () => {
    const board = await host.invoke<IntakeBoard>('intake:board');
    if (!board.ok) return gone(host) ? 'gone' : null;
    return board.value.receiver.connected ? 'ready' : null;
  }, 15_000).catch((error: unknown) => {
    const logFile = path.join(dataDir, 'booth.log');
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-10).join('\n') : '(no log)';
    throw new Error(`${(error as Error).message}\n${tail}`);
  });
  return ready === 'ready' ? host : null;
}

function readBuffer(): { rows: PayloadRow[]; cattle: { lf_tag: string }[] } {
  if (!fs.existsSync(path.join(dataDir, 'booth.db'))) return { rows: [], cattle: [] };
  const db = new Database(path.join(dataDir, 'booth.db'), { readonly: true });
  try {
    return {
      rows: db.prepare('SELECT * FROM lora_payload_buffer ORDER BY id').all() as PayloadRow[],
      cattle: db.prepare('SELECT lf_tag FROM cattle ORDER BY id').all() as { lf_tag: string }[],
    };
  } finally {
    db.close();
  }
}

/** Waits until the (clean) host has processed everything buffered. */
async function settled(host: HeadlessHost): Promise<void> {
  await until('nothing waiting', async () => {
    const board = await host.invoke<IntakeBoard>('intake:board');
    return board.ok && board.value.waiting === 0 ? true : null;
  }, 15_000);
}

describe('intake under kill -9', () => {
  it.each(['intake.after-buffer', 'intake.in-transaction'] as const)(
    'a packet buffered when the kiosk is killed at %s is processed exactly once after the restart',
    async (point) => {
      const before = readBuffer().rows.length;
      const crashing = await start({ BOOTH_CRASH_AT: point });
      expect(crashing).not.toBeNull();
      const tag = point === 'intake.after-buffer' ? 'A' : 'B';
      await radio.send(`hxb:CRASH:LF-${tag}:UHF-${tag}`);
      const exit = await crashing!.exited;
      expect(exit.signal).toBe('SIGKILL');

      // Stored before the kill, not yet processed (the worker's transaction never committed).
      const after = readBuffer();
      expect(after.rows.slice(before).map((r) => [r.payload, r.status])).toEqual([[`hxb:CRASH:LF-${tag}:UHF-${tag}`, 'received']]);
      expect(after.cattle.filter((c) => c.lf_tag === `LF-${tag}`)).toEqual([]);

      const host = (await start())!;
      await settled(host);
      await host.stop();
      const end = readBuffer();
      expect(end.rows.slice(before).map((r) => [r.status, r.attempts, r.note])).toEqual([['processed', 1, null]]);
      expect(end.cattle.filter((c) => c.lf_tag === `LF-${tag}`)).toHaveLength(1);
    },
    60_000,
  );

  it('processes every buffered payload exactly once across kill -9 at random moments while packets stream in', async () => {
    const rounds = 5;
    const sent: string[] = [];
    let animal = 0;
    for (let round = 0; round < rounds; round++) {
      const host = await start();
      if (!host) continue;
      const streaming = (async () => {
        for (let i = 0; i < 40 && !gone(host); i++) {
          animal++;
          const payload = `hxb:STREAM${Math.floor(animal / 15)}:LF-S${animal}:UHF-S${animal}`;
          sent.push(payload);
          await radio.send(payload).catch(() => undefined);
          // Some tags twice (a radio retransmits): one animal.
          if (animal % 7 === 0) await radio.send(payload).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 3));
        }
      })();
      setTimeout(() => host.child.kill('SIGKILL'), 20 + Math.random() * 150);
      await host.exited;
      await streaming;
    }
    const host = (await start())!;
    await settled(host);
    await host.stop();

    const { rows, cattle } = readBuffer();
    const streamed = rows.filter((r) => r.payload.includes(':LF-S'));
    expect(streamed.length).toBeGreaterThan(0);
    // Nothing left waiting, and every buffered payload was decided once (a crashed transaction left no trace).
    for (const row of streamed) {
      expect(row.status, `payload #${row.id}`).toBe('processed');
      expect(row.attempts, `payload #${row.id}`).toBe(1);
    }
    // Each distinct buffered payload is exactly one animal; only payloads that were sent were buffered.
    const distinct = new Set(streamed.map((r) => r.payload));
    for (const payload of distinct) expect(sent).toContain(payload);
    const streamedAnimals = cattle.filter((c) => c.lf_tag.startsWith('LF-S'));
    expect(streamedAnimals).toHaveLength(distinct.size);
    expect(streamed.filter((r) => r.note === null)).toHaveLength(distinct.size);
  }, 120_000);
});
