/**
 * How long gate results stay. config screen.resultSeconds and
 * gate.choiceTimeoutSeconds are not in BootInfo yet: their defaults are used,
 * or the values when main adds them to BootInfo under these names.
 */
import type { BootInfo } from '../../../preload/contract';

export const DEFAULT_RESULT_SECONDS = 5;
export const DEFAULT_CHOICE_SECONDS = 20;

type BootTimings = BootInfo & { resultSeconds?: unknown; choiceTimeoutSeconds?: unknown };

const positive = (value: unknown, fallback: number) => (typeof value === 'number' && value > 0 ? value : fallback);

export function gateTimings(boot: BootInfo): { resultMs: number; choiceMs: number } {
  const b = boot as BootTimings;
  return {
    resultMs: positive(b.resultSeconds, DEFAULT_RESULT_SECONDS) * 1000,
    choiceMs: positive(b.choiceTimeoutSeconds, DEFAULT_CHOICE_SECONDS) * 1000,
  };
}
