/**
 * Seed 004's endpoints on the kiosk's LAN API (CONTRACTS.md "Timed
 * sessions"); `GET /health` is the kiosk's (main/api/kiosk-routes.ts), which
 * reports this module's sweep as its `cronJob`.
 *
 * - `POST /api/sync-sessions` → `{"success":true,"message":"Manual sync completed"}`:
 *   the sweep now (and the pull, when configured).
 * - `POST /api/bookings/auto-complete-sessions` →
 *   `{"success":true,"message":"X sessions auto-completed, Y systems freed"}`:
 *   completes every session past its end now.
 * Each run is audited (key and client address).
 */
import type { ApiRoutes } from '../api';
import type { ExpiryOutcome } from './expiry';

export function sessionsApiRoutes(deps: {
  sync(): Promise<void>;
  autoComplete(): ExpiryOutcome;
  audit(action: string, detail: string): void;
}): ApiRoutes {
  return (app) => {
    // These take no body; a client that sends `Content-Type: application/json` with an empty one (as many do) is not refused for it.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      if (body === '') return done(null, {});
      try {
        done(null, JSON.parse(body as string) as unknown);
      } catch {
        done(Object.assign(new Error('the body is not JSON'), { statusCode: 400 }), undefined);
      }
    });
    // Any other type is ignored, not refused with 415: curl -d '' and Java's HttpURLConnection send form-urlencoded by default.
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, _body, done) => done(null, {}));
    app.post('/api/sync-sessions', async (request) => {
      deps.audit('api.sessions-sync', `key ${request.apiKeyId ?? '?'}, from ${request.ip}`);
      await deps.sync();
      return { success: true, message: 'Manual sync completed' };
    });
    app.post('/api/bookings/auto-complete-sessions', async (request) => {
      deps.audit('api.sessions-auto-complete', `key ${request.apiKeyId ?? '?'}, from ${request.ip}`);
      const { completed, freed } = deps.autoComplete();
      return { success: true, message: `${completed} sessions auto-completed, ${freed} systems freed` };
    });
  };
}
