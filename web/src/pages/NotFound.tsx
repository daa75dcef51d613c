import { Link } from 'react-router-dom';
import { useI18n, usePageTitle } from '../i18n/index.tsx';

export function NotFound() {
  const { t } = useI18n();
  usePageTitle('notFound.title');
  return (
    <>
      <h1>{t('notFound.title')}</h1>
      <p>
        <Link to="/">{t('notFound.home')}</Link>
      </p>
    </>
  );
}
