import { ApiError } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';

/** An error from the server (its detail names the fix) or from the browser, as an alert. */
export function ErrorText({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  let text: string;
  if (error instanceof ApiError) {
    if (error.status === 403) text = `${t('error.forbidden')} ${error.detail}`.trim();
    else if (error.status >= 500) text = `${t('error.server')} ${error.detail}`.trim();
    else text = error.message;
  } else if (error instanceof TypeError) text = t('error.network');
  else text = error instanceof Error ? error.message : String(error);
  return (
    <p className="error" role="alert">
      {text}
    </p>
  );
}
