import { type KeyboardEvent, useEffect, useId, useState } from 'react';
import { api, query } from '../../api.ts';
import { useI18n } from '../../i18n/index.tsx';
import type { ClinicalType, CodeOption } from '../../types.ts';

const DEBOUNCE_MS = 250;

/** Display texts seen in search answers, so chosen codes can show theirs: "system|code" → display. */
export const knownDisplays = new Map<string, string>();

/**
 * A combobox over the codes in use (GET /api/segments/codes): the user types
 * part of a code or its text, arrows through the answers and picks one with
 * Enter or a click. Each answer shows the code, its text and its system.
 */
export function CodeSearch({
  resource,
  onPick,
}: {
  resource: ClinicalType;
  onPick(option: CodeOption): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [q, setQ] = useState('');
  const [options, setOptions] = useState<CodeOption[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [searched, setSearched] = useState(false);

  useEffect(() => {
    if (!q.trim()) {
      setOptions([]);
      setSearched(false);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api
        .get<{ codes: CodeOption[] }>(`/api/segments/codes${query({ resource, q: q.trim(), limit: 20 })}`)
        .then((r) => {
          if (!live) return;
          for (const c of r.codes) if (c.display) knownDisplays.set(`${c.system}|${c.code}`, c.display);
          setOptions(r.codes);
          setActive(-1);
          setOpen(true);
          setSearched(true);
        })
        .catch(() => live && setOptions([]));
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q, resource]);

  const pick = (o: CodeOption) => {
    onPick(o);
    setQ('');
    setOpen(false);
    setOptions([]);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' && options.length) {
      e.preventDefault();
      setOpen(true);
      setActive((a) => (a + 1) % options.length);
    } else if (e.key === 'ArrowUp' && options.length) {
      e.preventDefault();
      setActive((a) => (a <= 0 ? options.length - 1 : a - 1));
    } else if (e.key === 'Enter' && open && active >= 0) {
      e.preventDefault();
      pick(options[active]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      setOpen(false);
    }
  };

  const optionId = (i: number) => `${id}-option-${i}`;
  const expanded = open && options.length > 0;
  return (
    <div className="field code-search">
      <label htmlFor={`${id}-q`}>{t('seg.codes.search')}</label>
      <input
        id={`${id}-q`}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={`${id}-list`}
        aria-activedescendant={expanded && active >= 0 ? optionId(active) : undefined}
        aria-describedby={`${id}-hint`}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
        onFocus={() => {
          if (options.length) setOpen(true);
        }}
      />
      <p id={`${id}-hint`} className="hint">
        {t('seg.codes.searchHint')}
      </p>
      <div
        id={`${id}-list`}
        role="listbox"
        aria-label={t('seg.codes.results')}
        hidden={!expanded}
        className="code-options"
      >
        {options.map((o, i) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox's input takes the keys (aria-activedescendant)
          <div
            key={`${o.system}|${o.code}`}
            id={optionId(i)}
            role="option"
            tabIndex={-1}
            aria-selected={i === active}
            className={i === active ? 'active' : undefined}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(o)}
          >
            <code>{o.code}</code> <span>{o.display ?? ''}</span> <span className="hint">{o.systemLabel}</span>
          </div>
        ))}
      </div>
      <p className="visually-hidden" aria-live="polite">
        {searched ? t('seg.codes.found', { n: options.length }) : ''}
      </p>
    </div>
  );
}
