import { Link } from 'react-router-dom';
import { useI18n, usePageTitle } from '../i18n/index.tsx';
import { NAV_ITEMS } from '../nav.ts';
import { useMe, useSession } from '../session.tsx';

export function Home() {
  const { t, lang } = useI18n();
  usePageTitle('nav.home');
  const me = useMe();
  const { can } = useSession();
  const items = NAV_ITEMS.filter((i) => i.to !== '/' && (!i.permission || can(i.permission)));
  return (
    <>
      <h1>{t('home.welcome', { name: me.name })}</h1>
      <p>
        {t('home.role', { role: me.roleLabel[lang] })}{' '}
        {me.orgWide
          ? t('home.allUnits')
          : me.careUnits.length
            ? t('home.units', { units: me.careUnits.map((u) => u.name).join(', ') })
            : t('home.noUnits')}
      </p>
      {items.length > 0 && (
        <section aria-labelledby="home-links">
          <h2 id="home-links">{t('home.start')}</h2>
          <ul className="tiles">
            {items.map((i) => (
              <li key={i.to}>
                <Link to={i.to}>{t(i.label)}</Link>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
