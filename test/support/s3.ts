/**
 * An S3-compatible server for the tests: s3rver (speaks the S3 protocol to
 * the real AWS SDK) on loopback, behind a small HTTP proxy that injects
 * faults: `fail500` answers 500 to the next N requests; `cutPart` drops the
 * connection half-way through the body of the next N part uploads;
 * `holdParts` keeps the storage's answer to the next N part uploads until
 * `releaseHeld()` (an upload try caught mid-flight). Every request is logged
 * (method, path, query).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, HeadObjectCommand, S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface S3Test {
  endpoint: string;
  bucket: string;
  faults: { fail500: number; cutPart: number; holdParts: number };
  /** Part uploads whose answer is being held. */
  held(): number;
  releaseHeld(): void;
  requests: { method: string; path: string; query: string }[];
  client: S3Client;
  object(key: string): Promise<Buffer | null>;
  size(key: string): Promise<number | null>;
  stop(): Promise<void>;
}

export async function startS3(dir: string, bucket = 'videos'): Promise<S3Test> {
  fs.mkdirSync(dir, { recursive: true });
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port: backPort } = (await server.run()) as AddressInfo;
  const faults = { fail500: 0, cutPart: 0, holdParts: 0 };
  let held: (() => void)[] = [];
  const requests: S3Test['requests'] = [];
  const proxy = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: req.method ?? '', path: url.pathname, query: url.search });
    if (faults.fail500 > 0) {
      faults.fail500--;
      req.resume();
      res.writeHead(500, { 'content-type': 'application/xml' }).end('<Error><Code>InternalError</Code><Message>simulated</Message></Error>');
      return;
    }
    const isPart = req.method === 'PUT' && url.searchParams.has('partNumber');
    const cut = isPart && faults.cutPart > 0;
    if (cut) faults.cutPart--;
    const hold = isPart && !cut && faults.holdParts > 0;
    if (hold) faults.holdParts--;
    const length = Number(req.headers['content-length'] ?? 0);
    let seen = 0;
    const upstream = http.request({ host: '127.0.0.1', port: backPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
      const answer = () => {
        if (res.destroyed) return void up.resume();
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      };
      if (hold) held.push(answer);
      else answer();
    });
    upstream.on('error', () => res.destroy());
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (cut && seen > length / 2) {
        upstream.destroy();
        req.socket.destroy();
        return;
      }
      upstream.write(chunk);
    });
    req.on('end', () => upstream.end());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const client = new S3Client({ endpoint: `http://127.0.0.1:${backPort}`, region: 'auto', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    bucket,
    faults,
    held: () => held.length,
    releaseHeld() {
      const waiting = held;
      held = [];
      for (const answer of waiting) answer();
    },
    requests,
    client,
    async object(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await r.Body!.transformToByteArray());
      } catch {
        return null;
      }
    },
    async size(key) {
      try {
        return (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength ?? null;
      } catch {
        return null;
      }
    },
    async stop() {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await server.close();
    },
  };
}
