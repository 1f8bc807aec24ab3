/** `node --import tsx test/cloud-sim/cli.ts [--port N]`: prints `cloud-sim: <apiUrl>` when ready. */
import { startCloudSim } from './server';

const i = process.argv.indexOf('--port');
const port = i >= 0 ? Number(process.argv[i + 1]) : 0;
const sim = await startCloudSim({ port });
process.stdout.write(`cloud-sim: ${sim.apiUrl}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
