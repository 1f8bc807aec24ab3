/** i18next for every visible string: English and Bahasa Indonesia. */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from '../i18n/en.json';
import idJson from '../i18n/id.json';

export const languages = ['en', 'id'] as const;
export type Language = (typeof languages)[number];

// Both files must have the same keys: a key missing on either side fails the type check.
const id: typeof en = idJson;
const enCheck: typeof idJson = en;
void enCheck;

export const i18n = i18next.createInstance();

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, id: { translation: id } },
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...languages],
  // React renders text as text; nothing here is ever parsed as HTML.
  interpolation: { escapeValue: false },
  initAsync: false,
  react: { useSuspense: false },
});

const setDocumentLanguage = (lng: string) => {
  document.documentElement.lang = lng;
};
setDocumentLanguage(i18n.language);
i18n.on('languageChanged', setDocumentLanguage);

export const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && (languages as readonly string[]).includes(value);

export function setLanguage(lng: Language): void {
  if (i18n.resolvedLanguage !== lng) void i18n.changeLanguage(lng);
}

/** Locale tag for Intl formatting of the current language. */
export const localeOf = (lng: string | undefined): string => (lng === 'id' ? 'id-ID' : 'en-GB');
