import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { Preferences } from './Preferences.tsx';

/** The frame of the pages seen before signing in. */
export function PublicPage({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="public">
      <header className="header">
        <span className="brand">{t('app.name')}</span>
        <div className="header-tools">
          <Preferences />
        </div>
      </header>
      <main id="main" className="card narrow">
        {children}
      </main>
    </div>
  );
}
