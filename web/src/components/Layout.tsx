import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { useI18n } from '../i18n/index.tsx';
import { NAV_ITEMS } from '../nav.ts';
import { useSession } from '../session.tsx';
import { Header } from './Header.tsx';

/** Header, navigation (a menu on tablets) and the page. */
export function Layout() {
  const { t } = useI18n();
  const { can } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const { pathname } = useLocation();

  // A chosen page closes the tablet menu.
  useEffect(() => {
    if (pathname) setMenuOpen(false);
  }, [pathname]);

  const items = NAV_ITEMS.filter((item) => !item.permission || can(item.permission));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('common.skipToContent')}
      </a>
      <Header menuOpen={menuOpen} onToggleMenu={() => setMenuOpen((o) => !o)} />
      <nav id="main-nav" className={menuOpen ? 'nav open' : 'nav'} aria-label={t('nav.label')}>
        <ul>
          {items.map((item) => (
            <li key={item.to}>
              <NavLink to={item.to} end={item.to === '/'}>
                {t(item.label)}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
