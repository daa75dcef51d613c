import { useI18n } from '../i18n/index.tsx';
import { useTheme } from '../theme.tsx';

/** The language and theme switches, in the header and on the public pages. */
export function Preferences() {
  const { t, lang, setLang } = useI18n();
  const { theme, setTheme } = useTheme();
  const other = lang === 'sv' ? 'en' : 'sv';
  return (
    <>
      <button
        type="button"
        lang={other}
        title={t('header.languageSwitch')}
        onClick={() => setLang(other)}
        data-testid="language-switch"
      >
        {t(other === 'en' ? 'language.en' : 'language.sv')}
      </button>
      <button
        type="button"
        aria-pressed={theme === 'dark'}
        onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        data-testid="theme-switch"
      >
        {t('header.darkTheme')}
      </button>
    </>
  );
}
