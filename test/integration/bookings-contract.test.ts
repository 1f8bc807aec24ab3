/**
 * Bookings (seed 003) against peers written from CONTRACTS.md's text, not
 * from test/cloud-sim: a booking platform whose answers differ where the
 * contract leaves room (ids as strings, optional fields null or absent) or
 * that goes wrong (an answer without end), and LAN clients that send the
 * video request as the seed's clients do.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../main/api';
import type { BookingSim } from '../cloud-sim/bookings';
import { booking, TODAY, venue } from '../support/bookings';
import { callApi } from '../support/lan-api';
import { tempDir } from '../support/temp';

const KEY = 'bookings-contract-key';

interface Platform {
  baseUrl: string;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  stop(): Promise<void>;
}

/** A booking platform written by hand: `answer` writes each response as it likes. */
async function startPlatform(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Platform> {
  const requests: Platform['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

async function kioskOn(platform: Platform, patch: Parameters<typeof venue>[2] = {}) {
  const k = await venue(tempDir(), { baseUrl: platform.baseUrl } as BookingSim, patch);
  running.push(k.kiosk);
  k.kiosk.start();
  return k;
}

const json = (body: unknown) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('bookings: the platform\'s answer as the contract allows it', () => {
  it('keeps a booking whose ids come as numeric strings or whose optional order_detail_id is null or absent', async () => {
    const platform = await startPlatform(
      json({
        data: [
          booking(1, { order_detail_id: '789', field_id: '2' }),
          booking(2, { order_detail_id: null }),
          (({ order_detail_id: _, ...rest }) => rest)(booking(3)),
          booking(4, { field_name: null, user_name: null, user_phone: null }),
        ],
      }),
    );
    running.push(platform);
    const k = await kioskOn(platform);
    await k.sync();
    expect(platform.requests[0]).toMatchObject({ method: 'GET', url: `/api/bookings?date=${TODAY}`, headers: { 'x-kiosk-id': expect.any(String), 'user-agent': expect.stringMatching(/^Booth\//) } });
    expect(k.bookingRow('BK-000001')).toMatchObject({ order_detail_id: 789, field_id: 2 });
    expect(k.bookingRow('BK-000002')).toMatchObject({ order_detail_id: null, field_id: 1, status: 'success' });
    expect(k.bookingRow('BK-000003')).toMatchObject({ order_detail_id: null, field_id: 1 });
    expect(k.bookingRow('BK-000004')).toMatchObject({ field_name: null, user_name: null, user_phone: null });
  });

  it('does not read an answer without end: the sync fails with its reason and keeps what it had', async () => {
    let first = true;
    const platform = await startPlatform((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (first) {
        first = false;
        res.end(JSON.stringify({ data: [booking(1)] }));
        return;
      }
      // A valid answer, but 80 MB of it: a platform gone wrong.
      res.write(`{"data":[${JSON.stringify(booking(1, { status: 'cancelled' }))}],"padding":"`);
      const chunk = 'x'.repeat(1024 * 1024);
      let sent = 0;
      const more = () => {
        while (sent < 80) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end('"}');
      };
      res.on('error', () => undefined);
      more();
    });
    running.push(platform);
    const k = await kioskOn(platform);
    await k.sync();
    await k.sync();
    expect(k.bookingRow('BK-000001')).toMatchObject({ status: 'success' });
    await k.invoke('admin:unlock', { pin: '2468' });
    expect(await k.invoke('bookings:admin-summary')).toMatchObject({ lastSync: { error: expect.stringMatching(/larger than/) } });
  });
});

describe('bookings: POST /api/request-booking-video from clients as the seed\'s', () => {
  it('reads the JSON body whatever Content-Type the client sent (or none)', async () => {
    const platform = await startPlatform(json({ data: [booking(1, { start_time: '09:30:00', end_time: '11:00:00' })] }));
    running.push(platform);
    const k = await kioskOn(platform, {
      lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] },
      bookings: { cameras: [{ name: 'CAM_A', fieldId: 1, folder: tempDir() }] },
    });
    await k.sync();
    await k.kiosk.lanApi!.start();
    const post = (headers: Record<string, string>) =>
      callApi({ port: k.kiosk.lanApi!.address()!.port, fingerprint: k.kiosk.lanApi!.status().fingerprint!, key: KEY, method: 'POST', path: '/api/request-booking-video', body: '{"field_id":1}', headers });
    expect(await post({ 'Content-Type': 'text/plain' })).toMatchObject({ status: 202, body: { booking_id: 'BK-000001' } });
    expect(await post({ 'Content-Type': 'application/x-www-form-urlencoded' })).toMatchObject({ status: 202, body: { booking_id: 'BK-000001' } });
    expect(await post({ 'Content-Type': 'application/json; charset=utf-8' })).toMatchObject({ status: 202 });
    expect(await post({ 'Content-Type': 'application/json' }).then((r) => r.status)).toBe(202);
    // No Content-Type at all (a client that sends none), written on the socket.
    const tls = await import('node:tls');
    const noType = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: k.kiosk.lanApi!.address()!.port, rejectUnauthorized: false }, () => {
        socket.end(`POST /api/request-booking-video HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${KEY}\r\nContent-Length: 14\r\nConnection: close\r\n\r\n{"field_id":1}`);
      });
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(noType).toMatch(/^HTTP\/1\.1 202/);
    const notJson = await callApi({ port: k.kiosk.lanApi!.address()!.port, fingerprint: k.kiosk.lanApi!.status().fingerprint!, key: KEY, method: 'POST', path: '/api/request-booking-video', body: 'field_id=1', headers: { 'Content-Type': 'text/plain' } });
    expect(notJson).toMatchObject({ status: 400, body: { status: 'error' } });
  });
});

describe('bookings: the query API\'s filters', () => {
  it('a filter given twice filters by its first value, never not at all', async () => {
    const platform = await startPlatform(json({ data: [booking(1), booking(2, { status: 'cancelled' }), booking(3, { date: '2026-01-14' })] }));
    running.push(platform);
    const k = await kioskOn(platform, { lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] } });
    await k.sync();
    await k.kiosk.lanApi!.start();
    const ids = async (path: string) => {
      const r = await callApi({ port: k.kiosk.lanApi!.address()!.port, fingerprint: k.kiosk.lanApi!.status().fingerprint!, key: KEY, path });
      return (r.body as { data: { bookingId: string }[] }).data.map((b) => b.bookingId).sort();
    };
    expect(await ids('/api/bookings?status=cancelled&status=success')).toEqual(['BK-000002']);
    expect(await ids(`/api/bookings?date=${TODAY}&date=2026-01-14`)).toEqual(['BK-000001', 'BK-000002']);
    expect(await ids('/api/bookings?limit=1&limit=100')).toHaveLength(1);
  });
});
