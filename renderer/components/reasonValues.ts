/** A reason's values as its words show them (ReasonText); pure, so it is tested without a screen. */
import { formatMoney } from '../app/format';

/** Params that are amounts of money in `params.currency` (preload/contract/reasons.ts). */
const MONEY_PARAMS = ['amount', 'coinValue'] as const;

/** Params whose value is a word said in the screen's language: `<prefix>.<value>` (fault "jam" → reason.fault.jam). */
const WORD_PARAMS: Readonly<Record<string, string>> = {
  fault: 'reason.fault',
  device: 'reason.device',
  flagKind: 'gate.admin.flag',
  owedReason: 'payout.admin.reason',
};

/**
 * The values as the words show them: amounts of money as people where the
 * currency is used write them ("Rp 5.000", whatever the screen's language),
 * words translated where the screen has them (else as they came); counts as
 * they are.
 */
export function reasonValues(
  params: Readonly<Record<string, string | number>>,
  locale: string,
  word: (key: string) => string | null,
): Record<string, string | number> {
  const out: Record<string, string | number> = { ...params };
  const currency = typeof params.currency === 'string' && params.currency !== '' ? params.currency : null;
  for (const name of MONEY_PARAMS) {
    const value = params[name];
    if (typeof value === 'number' && currency) out[name] = formatMoney(value, currency, locale);
  }
  for (const [name, prefix] of Object.entries(WORD_PARAMS)) {
    const value = params[name];
    if (typeof value === 'string') out[name] = word(`${prefix}.${value}`) ?? value;
  }
  return out;
}
