/** How long gate results and an unanswered person choice stay, from the kiosk's config. */
import type { BootInfo } from '../../../preload/contract';

const positive = (value: number, fallback: number) => (value > 0 ? value : fallback);

export function gateTimings(boot: BootInfo): { resultMs: number; choiceMs: number } {
  return {
    resultMs: positive(boot.resultSeconds, 5) * 1000,
    choiceMs: positive(boot.choiceTimeoutSeconds, 20) * 1000,
  };
}
