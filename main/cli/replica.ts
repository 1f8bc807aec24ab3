/**
 * `./booth replica --config FILE`: the office replica (seed 001's Server UI),
 * plain Node from a source checkout (npm run replica). Not one of the
 * packaged app's commands (main/cli/index.ts): the kiosk's Electron bundle
 * must not carry the PostgreSQL client nor the office page. Follows the config's kiosks into its store and serves the
 * office page until SIGTERM or SIGINT (systemd: native/booth-replica.service).
 * docs/operations.md "Office replica".
 */
import { createLogger } from '../log';
import { createReplica, readReplicaConfig } from '../replica';
import { configArgument } from './config-file';

export interface ReplicaIo {
  output: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export async function runReplica(args: readonly string[], io: ReplicaIo): Promise<number> {
  const file = configArgument(args, io.env);
  if (file === null) {
    io.output.write('usage: booth replica --config FILE (the kiosks to follow, the store, the office page; docs/operations.md "Office replica")\n');
    return 2;
  }
  let config;
  try {
    config = readReplicaConfig(file);
  } catch (error) {
    io.output.write(`replica: ${(error as Error).message}\n`);
    return 2;
  }
  const logger = createLogger({ file: config.logging.file, level: config.logging.level, maxSizeBytes: 10 * 1024 * 1024, backupCount: 5, console: true });
  const log = logger.scope('sync');
  let replica;
  try {
    replica = await createReplica(config, log);
    await replica.start();
  } catch (error) {
    io.output.write(`replica: ${(error as Error).message}\n`);
    await replica?.stop().catch(() => undefined);
    return 1;
  }
  const opened = replica;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info(`${signal}: stopping`);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolve();
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  await opened.stop();
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && /cli[\\/]replica\.(c?js|ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  void runReplica(process.argv.slice(2), { output: process.stderr, env: process.env }).then((code) => process.exit(code));
}
