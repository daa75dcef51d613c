import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useI18n } from '../i18n/index.tsx';
import { useMe, useSession } from '../session.tsx';
import { PasswordDialog } from './PasswordDialog.tsx';
import { Preferences } from './Preferences.tsx';

export function Header({ menuOpen, onToggleMenu }: { menuOpen: boolean; onToggleMenu(): void }) {
  const { t, lang } = useI18n();
  const me = useMe();
  const { signOut } = useSession();
  const [passwordOpen, setPasswordOpen] = useState(false);

  return (
    <header className="header">
      <button
        type="button"
        className="menu-button"
        aria-expanded={menuOpen}
        aria-controls="main-nav"
        onClick={onToggleMenu}
      >
        {t('nav.menu')}
      </button>
      <Link to="/" className="brand">
        {t('app.name')}
      </Link>
      <div className="header-tools">
        <p className="who">
          <span className="who-name">{me.name}</span>
          <span className="who-role">{me.roleLabel[lang]}</span>
        </p>
        <Preferences />
        {me.method === 'password' && (
          <button type="button" onClick={() => setPasswordOpen(true)}>
            {t('password.open')}
          </button>
        )}
        <button type="button" onClick={() => void signOut()}>
          {t('header.signOut')}
        </button>
      </div>
      {passwordOpen && <PasswordDialog onClose={() => setPasswordOpen(false)} />}
    </header>
  );
}
