import { useI18n } from '../../i18n/index.tsx';
import type { SegmentNode } from '../../types.ts';
import { Dialog } from '../Dialog.tsx';
import { CATEGORIES, newRule, RULE_LABEL } from './rules.ts';

/** "Lägg till villkor": every rule type by category; picking one adds it and closes. */
export function AddRuleDialog({ onAdd, onClose }: { onAdd(rule: SegmentNode): void; onClose(): void }) {
  const { t } = useI18n();
  return (
    <Dialog title={t('seg.add.title')} onClose={onClose} wide>
      <div className="rule-catalogue">
        {CATEGORIES.map((c) => (
          <section key={c.label} aria-labelledby={`cat-${c.label}`}>
            <h3 id={`cat-${c.label}`}>{t(c.label)}</h3>
            <ul className="plain rule-choices">
              {c.rules.map((r) => (
                <li key={r}>
                  <button type="button" onClick={() => onAdd(newRule(r))}>
                    {t(RULE_LABEL[r])}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
      <div className="actions">
        <button type="button" onClick={onClose}>
          {t('common.cancel')}
        </button>
      </div>
    </Dialog>
  );
}
