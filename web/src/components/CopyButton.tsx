import { useState } from 'react';
import { useI18n } from '../i18n/index.tsx';

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <>
      <button type="button" onClick={copy}>
        {label ?? t('common.copy')}
      </button>
      <span className="status" role="status">
        {copied ? t('common.copied') : ''}
      </span>
    </>
  );
}
