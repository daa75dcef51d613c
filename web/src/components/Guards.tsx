import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';

/** Renders its children once signed in; SessionProvider sends everyone else to sign in. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { me } = useSession();
  const { t } = useI18n();
  if (!me)
    return (
      <main id="main" className="centered">
        <p aria-live="polite">{t('common.loading')}</p>
      </main>
    );
  return children;
}

export function RequirePermission({ permission, children }: { permission: string; children: ReactNode }) {
  const { can } = useSession();
  const { t } = useI18n();
  if (!can(permission))
    return (
      <>
        <h1>{t('forbidden.title')}</h1>
        <p>{t('forbidden.text')}</p>
      </>
    );
  return children;
}
