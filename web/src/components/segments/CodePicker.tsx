import { useId, useState } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import type { ClinicalType, CodeFilter, CodeOption, CodeSystem } from '../../types.ts';
import { useBuilderData } from './BuilderData.tsx';
import { CodeSearch, knownDisplays } from './CodeSearch.tsx';

/** The system as the definition names it: its alias when the server knows it. */
function systemInfo(systems: readonly CodeSystem[], name: string): CodeSystem | undefined {
  return systems.find((s) => s.alias === name || s.uri === name);
}

function addCode(
  filters: readonly CodeFilter[],
  system: string,
  code: string,
  descendants: boolean,
): CodeFilter[] {
  const at = filters.findIndex((f) => f.system === system && Boolean(f.descendants) === descendants);
  if (at < 0) return [...filters, { system, codes: [code], ...(descendants ? { descendants } : {}) }];
  if (filters[at].codes.includes(code)) return [...filters];
  return filters.map((f, i) => (i === at ? { ...f, codes: [...f.codes, code] } : f));
}

/** One filter per system and sub-code choice. */
function merged(filters: readonly CodeFilter[]): CodeFilter[] {
  return filters.reduce<CodeFilter[]>(
    (out, f) => f.codes.reduce((acc, c) => addCode(acc, f.system, c, Boolean(f.descendants)), out),
    [],
  );
}

/** A code typed by hand, with "including sub-codes" for prefix systems (ICD-10, ATC, KVÅ). */
function ManualCode({ onAdd }: { onAdd(system: string, code: string, descendants: boolean): void }) {
  const { t } = useI18n();
  const id = useId();
  const { systems } = useBuilderData();
  const [system, setSystem] = useState('icd10');
  const [code, setCode] = useState('');
  const [descendants, setDescendants] = useState(true);
  const prefix = systemInfo(systems, system)?.prefixHierarchy ?? false;
  const add = (e: { preventDefault(): void }) => {
    e.preventDefault();
    const c = code.trim();
    if (!c) return;
    onAdd(system, c, prefix && descendants);
    setCode('');
  };
  return (
    <details className="manual-code">
      <summary>{t('seg.codes.manual')}</summary>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-system`}>{t('seg.codes.system')}</label>
          <select id={`${id}-system`} value={system} onChange={(e) => setSystem(e.target.value)}>
            {systems.map((s) => (
              <option key={s.alias} value={s.alias}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-code`}>{t('seg.codes.code')}</label>
          <input
            id={`${id}-code`}
            autoComplete="off"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && add(e)}
          />
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={prefix && descendants}
            disabled={!prefix}
            onChange={(e) => setDescendants(e.target.checked)}
          />
          {t('seg.codes.descendants')}
        </label>
        <button type="button" onClick={add}>
          {t('seg.codes.add')}
        </button>
      </div>
    </details>
  );
}

/** The codes a clinical rule matches: chosen ones by system, search over codes in use, or typed by hand. */
export function CodePicker({
  resource,
  filters,
  onChange,
  required = false,
}: {
  resource: ClinicalType;
  filters: readonly CodeFilter[];
  onChange(filters: CodeFilter[]): void;
  required?: boolean;
}) {
  const { t } = useI18n();
  const { systems } = useBuilderData();
  const pick = (o: CodeOption) => {
    const alias = systemInfo(systems, o.system)?.alias ?? o.system;
    onChange(addCode(filters, alias, o.code, false));
  };
  const remove = (fi: number, code: string) =>
    onChange(
      filters
        .map((f, i) => (i === fi ? { ...f, codes: f.codes.filter((c) => c !== code) } : f))
        .filter((f) => f.codes.length > 0),
    );
  const setDescendants = (fi: number, on: boolean) =>
    onChange(merged(filters.map((f, i) => (i === fi ? { ...f, descendants: on } : f))));

  return (
    <fieldset className="code-picker">
      <legend>{t('seg.codes.title')}</legend>
      {filters.length === 0 && (
        <p className="hint">{required ? t('seg.codes.required') : t('seg.codes.any')}</p>
      )}
      {filters.map((f, fi) => {
        const info = systemInfo(systems, f.system);
        return (
          <div className="code-filter" key={`${f.system}|${Boolean(f.descendants)}`}>
            <span className="code-system">{info?.label ?? f.system}</span>
            <ul className="code-chips">
              {f.codes.map((c) => {
                const display = knownDisplays.get(`${info?.uri ?? f.system}|${c}`);
                return (
                  <li key={c} className="chip">
                    <code>{c}</code>
                    {display && <span> {display}</span>}
                    <button
                      type="button"
                      className="chip-remove"
                      aria-label={t('seg.codes.remove', { code: c })}
                      onClick={() => remove(fi, c)}
                    >
                      ×
                    </button>
                  </li>
                );
              })}
            </ul>
            {info?.prefixHierarchy && (
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={Boolean(f.descendants)}
                  onChange={(e) => setDescendants(fi, e.target.checked)}
                />
                {t('seg.codes.descendantsOf', { system: info.label })}
              </label>
            )}
          </div>
        );
      })}
      <CodeSearch resource={resource} onPick={pick} />
      <ManualCode
        onAdd={(system, code, descendants) => onChange(addCode(filters, system, code, descendants))}
      />
    </fieldset>
  );
}
