/**
 * What a config field expects, in the screen's language, from the shape main
 * sends (main/config/explain.ts writes the English from the same shape).
 * Setting names, choices and limits stay literal: they are what to type.
 */
import type { TFunction } from 'i18next';
import type { ConfigExpectation } from '../../../preload/contract';

/** "a, b or c" in the screen's language. */
function orList(items: readonly string[], locale: string): string {
  try {
    return new Intl.ListFormat(locale, { type: 'disjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

const sizeKey = (min: number | undefined, max: number | undefined, notEmptyMeansOne: boolean): string | null => {
  if (min !== undefined && max !== undefined) return 'Range';
  if (min === 1 && notEmptyMeansOne) return 'NotEmpty';
  if (min !== undefined) return 'Min';
  if (max !== undefined) return 'Max';
  return null;
};

export function expectationWords(e: ConfigExpectation, t: TFunction, locale: string): string {
  const base = ((): string => {
    switch (e.kind) {
      case 'one-of':
        return t('configExpect.oneOf', { values: e.values.join(', ') });
      case 'text': {
        const size = sizeKey(e.min, e.max, true);
        return t(`configExpect.text${size ?? ''}`, { min: e.min, max: e.max });
      }
      case 'whole-number':
      case 'number': {
        const what = t(e.kind === 'number' ? 'configExpect.number' : 'configExpect.wholeNumber');
        const low = e.low === undefined ? undefined : String(e.low);
        const high = e.high === undefined ? undefined : String(e.high);
        if (low !== undefined && high !== undefined) return t(e.lowOpen ? 'configExpect.aboveUpTo' : 'configExpect.fromTo', { what, low, high });
        if (low !== undefined) return t(e.lowOpen ? 'configExpect.above' : 'configExpect.atLeast', { what, low });
        if (high !== undefined) return t('configExpect.atMost', { what, high });
        return what;
      }
      case 'true-false':
        return t('configExpect.trueFalse');
      case 'section':
        return t('configExpect.section');
      case 'list': {
        const size = sizeKey(e.min, e.max, false);
        const list = t(`configExpect.list${size ?? ''}`, { min: e.min, max: e.max });
        return e.each ? t('configExpect.each', { list, item: expectationWords(e.each, t, locale) }) : list;
      }
      case 'settings':
        return t('configExpect.settings');
      case 'rule':
        return t(`configExpect.rule.${e.rule}`);
      case 'no-such-setting':
        return e.suggestions.length === 0 ? t('configExpect.noSuchSetting') : t('configExpect.didYouMean', { names: orList(e.suggestions, locale) });
      case 'not-a-setting':
        return t(`configExpect.notASetting.${e.why}`);
      case 'json':
        return e.line === undefined ? t('configExpect.json') : t('configExpect.jsonAt', { line: e.line, column: e.column });
      case 'readable-file':
        return t('configExpect.readableFile', { errno: e.errno });
      case 'valid':
        return t('configExpect.valid');
    }
  })();
  const orNull = e.orNull ? t('configExpect.orNull', { text: base }) : base;
  return e.kind === 'one-of' && e.caseMatters ? t('configExpect.caseMatters', { text: orNull }) : orNull;
}
