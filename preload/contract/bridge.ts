import { z } from 'zod';

/** Frames of the headless WebSocket bridge: the same contract as Electron IPC. */
export const bridgeRequestSchema = z
  .object({
    t: z.literal('invoke'),
    id: z.number().int().nonnegative(),
    name: z.string().max(100),
    args: z.unknown(),
  })
  .strict();
export type BridgeRequest = z.infer<typeof bridgeRequestSchema>;

export type BridgeFrame =
  | { t: 'result'; id: number; result: unknown }
  | { t: 'event'; name: string; payload: unknown };

export const BRIDGE_PATH = '/bridge';
/** Close code sent when a frame is not a valid request. */
export const BRIDGE_CLOSE_BAD_FRAME = 4400;
