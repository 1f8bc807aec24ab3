/**
 * The upload step: the clip's three files to S3-compatible storage (e.g.
 * Cloudflare R2) with the AWS SDK, each as a multipart upload whose upload id
 * and finished parts are committed to the task as they complete, so a retry
 * or a restart after kill -9 sends only the parts that are missing. Each part
 * carries its Content-MD5 (the server refuses a part that arrived changed),
 * and the finished object's size is checked. Uploading an object again is
 * harmless: the same key gets the same bytes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import type { BoothConfig } from '../config';
import { crashPoint } from '../crash-points';

export type S3Settings = BoothConfig['bookings']['s3'];

export function createS3(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    // Content-MD5 on each part is the checksum; the SDK's newer flexible checksums
    // (aws-chunked bodies) are not spoken by every S3-compatible server.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

/** The public URL of an object. */
export function objectUrl(settings: S3Settings, key: string): string {
  const encoded = key.split('/').map(encodeURIComponent).join('/');
  if (settings.publicBaseUrl) return new URL(encoded, settings.publicBaseUrl.endsWith('/') ? settings.publicBaseUrl : `${settings.publicBaseUrl}/`).toString();
  const endpoint = settings.endpoint ?? `https://s3.${settings.region}.amazonaws.com`;
  return `${endpoint.replace(/\/$/, '')}/${settings.bucket}/${encoded}`;
}

/** One file's progress, kept in the task's data. */
export interface FileProgress {
  uploadId?: string;
  parts?: { n: number; etag: string }[];
  done?: boolean;
}

const contentTypes: Record<string, string> = { '.mp4': 'video/mp4', '.jpg': 'image/jpeg' };

function readPart(fd: number, n: number, partSize: number, size: number): Buffer {
  const start = (n - 1) * partSize;
  const length = Math.min(partSize, size - start);
  const buffer = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) read += fs.readSync(fd, buffer, read, length - read, start + read);
  return buffer;
}

const isNoSuchUpload = (error: unknown) => (error as { name?: string }).name === 'NoSuchUpload' || /NoSuchUpload/.test(String((error as Error).message));

/** Uploads one file, resuming from `progress`; `save` commits progress after each part. */
export async function uploadFile(
  s3: S3Client,
  settings: S3Settings,
  file: { path: string; key: string },
  progress: FileProgress,
  save: (progress: FileProgress) => void,
  signal: AbortSignal,
): Promise<void> {
  if (progress.done) return;
  const bucket = settings.bucket;
  const size = fs.statSync(file.path).size;
  const partSize = settings.partSizeMb * 1024 * 1024;
  const count = Math.max(1, Math.ceil(size / partSize));
  let state: FileProgress = { ...progress, parts: [...(progress.parts ?? [])] };
  if (!state.uploadId) {
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: file.key, ContentType: contentTypes[file.path.slice(file.path.lastIndexOf('.'))] ?? 'application/octet-stream' }),
      { abortSignal: signal },
    );
    if (!created.UploadId) throw new Error(`the storage gave no upload id for ${file.key}`);
    state = { uploadId: created.UploadId, parts: [] };
    save(state);
  }
  const fd = fs.openSync(file.path, 'r');
  try {
    for (let n = 1; n <= count; n++) {
      if (state.parts!.some((p) => p.n === n)) continue;
      const body = readPart(fd, n, partSize, size);
      try {
        const answer = await s3.send(
          new UploadPartCommand({ Bucket: bucket, Key: file.key, UploadId: state.uploadId, PartNumber: n, Body: body, ContentLength: body.length, ContentMD5: crypto.createHash('md5').update(body).digest('base64') }),
          { abortSignal: signal },
        );
        if (!answer.ETag) throw new Error(`part ${n} of ${file.key}: no ETag in the answer`);
        state = { ...state, parts: [...state.parts!, { n, etag: answer.ETag }] };
        save(state);
        if (n < count) crashPoint('bookings.upload.between-parts');
      } catch (error) {
        if (isNoSuchUpload(error)) save({}); // the storage forgot the upload: the next try starts it again
        throw error;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  try {
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: file.key,
        UploadId: state.uploadId,
        MultipartUpload: { Parts: [...state.parts!].sort((a, b) => a.n - b.n).map((p) => ({ PartNumber: p.n, ETag: p.etag })) },
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    // Completed by a try whose answer was lost: the object is there when its size is right.
    if (!isNoSuchUpload(error)) throw error;
  }
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: file.key }), { abortSignal: signal }).catch((error: unknown) => {
    if (isNoSuchUpload(error) || (error as { name?: string }).name === 'NotFound') save({});
    throw error;
  });
  if (head.ContentLength !== size) {
    save({});
    throw new Error(`${file.key}: the storage holds ${head.ContentLength ?? '?'} bytes, the file has ${size}; uploading it again`);
  }
  save({ done: true });
}

/** Best effort: a multipart upload given up (its video cancelled) is removed from the storage. */
export async function abandonUpload(s3: S3Client, settings: S3Settings, key: string, uploadId: string): Promise<void> {
  await s3.send(new AbortMultipartUploadCommand({ Bucket: settings.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
}
