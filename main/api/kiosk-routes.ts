/**
 * The LAN API routes of the kiosk itself (not of one module): its scheduled
 * jobs' health and their manual trigger.
 *
 * `GET /health` keeps seed 004's shape, `{"status":"OK","cronJob":{"isRunning","nextRun"}}`,
 * and adds `"jobs"` (CONTRACTS.md "Timed sessions"). When a module brings the
 * seed's own cron job (a job with `reportsAsCronJob`: the sessions sweep),
 * `cronJob` is that job: `isRunning` is true while it is planned or running
 * (the scheduler started and not stopped), as node-cron's task was running,
 * and `nextRun` its next run. Without one, `cronJob` describes the kiosk's
 * scheduler as a whole: `isRunning` as above, `nextRun` the soonest next run
 * of any job. In `jobs`, a job's `isRunning` means a run is in progress now.
 *
 * `POST /api/jobs/:name/run` runs a job now and answers when the run is over:
 * 200 `{"success":true,"message","job"}`, or 500 `{"success":false,"error","job"}`
 * when it failed (`job` is its health after the run). A job already running is
 * refused with 409 rather than joined: that run began before the request, so
 * its outcome would not answer it (e.g. a sync asked for after a change).
 * An unknown job, or a job of a module this kiosk does not run, is 404.
 * Each run started this way is audited (job, key, client address).
 */
import type { CodedReason } from '../../preload/contract';
import type { JobHealth, Scheduler } from '../schedule';
import { sendError, type ApiRoutes } from './server';

export interface HealthBody {
  status: 'OK';
  cronJob: { isRunning: boolean; nextRun: string | null };
  jobs: JobHealth[];
}

export function healthBody(scheduler: Scheduler, cronJobName?: string): HealthBody {
  const jobs = scheduler.health();
  const cron = cronJobName === undefined ? undefined : jobs.find((j) => j.name === cronJobName);
  if (cron) return { status: 'OK', cronJob: { isRunning: scheduler.isStarted(), nextRun: cron.nextRun }, jobs };
  const planned = jobs.map((j) => j.nextRun).filter((at): at is string => at !== null).sort();
  return { status: 'OK', cronJob: { isRunning: scheduler.isStarted(), nextRun: planned[0] ?? null }, jobs };
}

const JOB_NAME = /^[A-Za-z0-9._-]{1,100}$/;

export function kioskRoutes(deps: { scheduler: Scheduler; audit(action: string, detail: string, coded: CodedReason): void; cronJobName?: string }): ApiRoutes {
  const { scheduler } = deps;
  return (app) => {
    app.get('/health', async () => healthBody(scheduler, deps.cronJobName));

    app.post<{ Params: { name: string } }>('/api/jobs/:name/run', async (request, reply) => {
      const { name } = request.params;
      const job = JOB_NAME.test(name) ? scheduler.health().find((j) => j.name === name) : undefined;
      if (!job) return sendError(reply, 404, `no job named ${name.slice(0, 100)} on this kiosk`);
      if (job.isRunning) {
        return reply.code(409).send({ success: false, error: `job ${name} is already running; ask again when it has finished`, job });
      }
      // Written before the run, so a run that never ends (a crash) is still on record.
      deps.audit('api.job-run', `${name} (key ${request.apiKeyId ?? '?'}, from ${request.ip})`, {
        code: 'audit-job-run',
        params: { job: name, key: request.apiKeyId ?? '?', ip: request.ip },
      });
      const outcome = await scheduler.runManually(name);
      if (outcome.kind === 'unknown') return sendError(reply, 404, `no job named ${name} on this kiosk`);
      if (outcome.kind === 'busy') return reply.code(409).send({ success: false, error: `job ${name} is already running`, job });
      if (outcome.error !== null) {
        return reply.code(500).send({ success: false, error: `job ${name} failed: ${outcome.error}`, job: outcome.health });
      }
      return { success: true, message: `job ${name} completed`, job: outcome.health };
    });
  };
}
