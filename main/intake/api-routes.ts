/**
 * `POST /api/lora/receive` (seed 001, CONTRACTS.md "LoRa intake"):
 * `{"payload":"hxb:TEST001:LF999:UHF888"}` → 202 `{"success":true,"id":N}` once
 * the payload is committed to the buffer (a payload that does not parse is
 * accepted too, and kept failed with its reason); 400 with the JSON error body
 * when the body is not JSON or has no payload string. The body is read as text
 * whatever its Content-Type (the seed's clients do not all send one), so
 * "not JSON" is always this route's 400, never Fastify's 415.
 */
import type { ApiRoutes } from '../api';
import { readBodiesAsText, sendError } from '../api';

export interface ReceiveDeps {
  /** Buffers the payload (committed when it returns) and answers its id. */
  receive(payload: string): number;
}

export function intakeRoutes(deps: ReceiveDeps): ApiRoutes {
  return (app) => {
    readBodiesAsText(app);

    app.post('/api/lora/receive', async (request, reply) => {
      const text = typeof request.body === 'string' ? request.body : '';
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return sendError(reply, 400, 'the body must be JSON: {"payload":"<source_type>:<batch_number>:<lf_tag>:<uhf_tag>"}');
      }
      const payload = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { payload?: unknown }).payload : undefined;
      if (typeof payload !== 'string') return sendError(reply, 400, 'the body has no "payload" string');
      const id = deps.receive(payload);
      return reply.code(202).send({ success: true, id });
    });
  };
}
