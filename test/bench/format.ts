import { z } from 'zod';

/** One line of `npm run -s bench` output, as ../shared/BENCHMARKS.md defines it. */
export const benchLineSchema = z
  .object({
    bench: z.string().regex(/^[a-z]+\.[a-z_]+(\.p\d+)?$/),
    value: z.number().finite(),
    unit: z.string().min(1),
    better: z.enum(['higher', 'lower']),
    ref: z.string().optional(),
    refValue: z.number().finite().optional(),
    ratio: z.number().finite().optional(),
    n: z.number().int().nonnegative(),
  })
  .strict()
  .refine((l) => (l.ref === undefined) === (l.refValue === undefined) && (l.ref === undefined) === (l.ratio === undefined), {
    message: 'ref, refValue and ratio come together',
  });
export type BenchLine = z.infer<typeof benchLineSchema>;

export function benchLine(line: BenchLine): void {
  process.stdout.write(`${JSON.stringify(benchLineSchema.parse(line))}\n`);
}

/** value/refValue for "higher" figures, refValue/value for "lower" ones: 1.0 = as good as the reference. */
export function withRef(line: Omit<BenchLine, 'ratio'> & { ref: string; refValue: number }): BenchLine {
  const ratio = line.better === 'higher' ? line.value / line.refValue : line.refValue / line.value;
  return { ...line, ratio: Math.round(ratio * 1000) / 1000 };
}

export const quick = process.env.BENCH_QUICK === '1';
export const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every millisecond until it gives a value; a bench that waits longer than `timeoutMs` fails. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('bench: timed out');
    await sleep(1);
  }
}
