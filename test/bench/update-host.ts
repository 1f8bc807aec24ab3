/**
 * The bench's update host in its own process (its TLS and file serving never
 * show in the kiosk's figures): `update-host.ts DIR` serves DIR's
 * manifest.json and release file at stable/arm64/ over HTTPS on loopback and
 * prints `update-host: {"baseUrl","ca"}`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startUpdateServer } from '../support/update-server';

const dir = process.argv[2];
if (!dir) throw new Error('usage: update-host.ts DIR');
const server = await startUpdateServer();
for (const name of fs.readdirSync(dir)) {
  server.routes.set(`/updates/stable/arm64/${name}`, { kind: 'file', body: fs.readFileSync(path.join(dir, name)) });
}
process.stdout.write(`update-host: ${JSON.stringify({ baseUrl: server.baseUrl, ca: server.ca })}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
