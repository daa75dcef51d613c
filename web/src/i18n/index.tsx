import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { en, type MessageKey } from './en.ts';
import { sv } from './sv.ts';

export type { MessageKey };
export type Lang = 'sv' | 'en';
export const LANGS: readonly Lang[] = ['sv', 'en'];

const catalogues: Record<Lang, Record<MessageKey, string>> = { sv, en };

/** For codes from data (FHIR statuses): translated when the catalogue knows them. */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}
const STORAGE_KEY = 'po-lang';
const TIME_ZONE = 'Europe/Stockholm';

/**
 * The remembered choice, else `fallback` when given (the patients' pages speak
 * Swedish first), else the first of the browser's languages we speak, else Swedish.
 */
export function initialLang(fallback?: Lang): Lang {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'sv' || stored === 'en') return stored;
  if (fallback) return fallback;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = tag?.toLowerCase().split('-')[0];
    if (base === 'sv' || base === 'en') return base;
  }
  return 'sv';
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t: Translate;
  /** A FHIR date or an instant as a date; partial dates ("2020", "2020-05") as they are. */
  date(value: string | null | undefined): string;
  dateTime(value: string | null | undefined): string;
  number(value: number): string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children, fallback }: { children: ReactNode; fallback?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => initialLang(fallback));

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLangState(next);
  }, []);

  const value = useMemo<I18n>(() => {
    const locale = lang === 'sv' ? 'sv-SE' : 'en-GB';
    const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: TIME_ZONE });
    const dateOnlyFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
    const dateTimeFmt = new Intl.DateTimeFormat(locale, {
      dateStyle: 'short',
      timeStyle: 'medium',
      timeZone: TIME_ZONE,
    });
    const numberFmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
    const messages = catalogues[lang];
    return {
      lang,
      setLang,
      t: (key, vars) => {
        const text = messages[key];
        return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => String(vars[name] ?? m)) : text;
      },
      date: (v) => {
        if (!v) return '';
        if (/^\d{4}(-\d{2})?$/.test(v)) return v;
        const d = new Date(v);
        if (Number.isNaN(d.getTime())) return v;
        return (/^\d{4}-\d{2}-\d{2}$/.test(v) ? dateOnlyFmt : dateFmt).format(d);
      },
      dateTime: (v) => {
        if (!v) return '';
        const d = new Date(v);
        return Number.isNaN(d.getTime()) ? v : dateTimeFmt.format(d);
      },
      number: (n) => numberFmt.format(n),
    };
  }, [lang, setLang]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}

/** Sets the document title to "<page> – Patient Outreach". */
export function usePageTitle(key: MessageKey): void {
  const { t } = useI18n();
  const title = t(key);
  const app = t('app.name');
  useEffect(() => {
    document.title = `${title} – ${app}`;
  }, [title, app]);
}
