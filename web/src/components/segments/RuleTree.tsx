import { Fragment, type ReactNode, useId, useState } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import type { SegmentCondition, SegmentNode } from '../../types.ts';
import { AddRuleDialog } from './AddRuleDialog.tsx';
import { useBuilderData } from './BuilderData.tsx';
import { ClinicalFields, ObservationFields } from './ClinicalFields.tsx';
import {
  AgeFields,
  CareUnitFields,
  DeceasedFields,
  GenderFields,
  LanguageFields,
  PlaceFields,
} from './DemographicFields.tsx';
import { ConsentFields, EngagementFields, ListFields, SegmentRefFields } from './OtherFields.tsx';
import { ruleTitle } from './rules.ts';
import { appendAt, childPath, keyOf, nodeAt, notChildPath, ruleNumber, toggleNot, updateAt } from './tree.ts';

interface Ops {
  root: SegmentNode;
  edit(path: string, node: SegmentNode): void;
  remove(path: string): void;
  negate(path: string): void;
  append(path: string, rule: SegmentNode): void;
}

/** The editor for one rule's own fields. */
function RuleFields({ node, onChange }: { node: SegmentCondition; onChange(n: SegmentCondition): void }) {
  switch (node.kind) {
    case 'age':
      return <AgeFields node={node} onChange={onChange} />;
    case 'gender':
      return <GenderFields node={node} onChange={onChange} />;
    case 'place':
      return <PlaceFields node={node} onChange={onChange} />;
    case 'language':
      return <LanguageFields node={node} onChange={onChange} />;
    case 'careUnit':
      return <CareUnitFields node={node} onChange={onChange} />;
    case 'deceased':
      return <DeceasedFields />;
    case 'clinical':
      return <ClinicalFields node={node} onChange={onChange} />;
    case 'observation':
      return <ObservationFields node={node} onChange={onChange} />;
    case 'engagement':
      return <EngagementFields node={node} onChange={onChange} />;
    case 'consent':
      return <ConsentFields node={node} onChange={onChange} />;
    case 'segment':
      return <SegmentRefFields node={node} onChange={onChange} />;
    case 'list':
      return <ListFields node={node} onChange={onChange} />;
  }
}

/** The problems of a card (and of the NOT around it), next to it. */
function CardProblems({ id, paths }: { id: string; paths: readonly string[] }) {
  const { problems } = useBuilderData();
  const mine = problems.filter((p) => paths.includes(p.node));
  if (mine.length === 0) return null;
  return (
    <ul id={id} className="error rule-problems">
      {mine.map((p) => (
        <li key={`${p.path}|${p.message}`} lang={p.lang}>
          {p.message}
        </li>
      ))}
    </ul>
  );
}

/** The card's frame: a titled group with NOT and remove, its problems, then its body. */
function Card({
  path,
  notPath,
  title,
  ops,
  className,
  children,
}: {
  path: string;
  notPath?: string;
  title: string;
  ops: Ops;
  className: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const id = useId();
  const { problems } = useBuilderData();
  const paths = notPath ? [path, notPath] : [path];
  const number = ruleNumber(path);
  const heading = number ? t('seg.rule.numbered', { n: number, title }) : title;
  const hasProblems = problems.some((p) => paths.includes(p.node));
  return (
    // biome-ignore lint/a11y/useSemanticElements: a card is a heading with its controls beside it, which a legend cannot lay out
    <div
      role="group"
      aria-labelledby={`${id}-title`}
      aria-describedby={hasProblems ? `${id}-problems` : undefined}
      className={`rule-card ${className}${notPath ? ' negated' : ''}${hasProblems ? ' has-problems' : ''}`}
      data-path={path}
    >
      <div className="rule-head">
        <h3 id={`${id}-title`}>{heading}</h3>
        {notPath && <span className="badge warn">{t('seg.group.not')}</span>}
        <label className="checkbox">
          <input type="checkbox" checked={Boolean(notPath)} onChange={() => ops.negate(path)} />
          {t('seg.not.toggle')}
        </label>
        {path !== 'root' && (
          <button
            type="button"
            className="danger"
            aria-label={t('seg.rule.remove', { title: heading })}
            onClick={() => ops.remove(notPath ?? path)}
          >
            {t('common.delete')}
          </button>
        )}
      </div>
      <CardProblems id={`${id}-problems`} paths={paths} />
      {children}
    </div>
  );
}

function LabelField({ node, onChange }: { node: SegmentNode; onChange(label: string | undefined): void }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="field rule-label">
      <label htmlFor={id}>{t('seg.rule.label')}</label>
      <input
        id={id}
        autoComplete="off"
        maxLength={200}
        value={node.label ?? ''}
        onChange={(e) => onChange(e.target.value || undefined)}
      />
    </div>
  );
}

function AddButtons({ path, ops }: { path: string; ops: Ops }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <div className="actions">
      <button type="button" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        {t('seg.add.rule')}
      </button>
      {open && (
        <AddRuleDialog
          onClose={() => setOpen(false)}
          onAdd={(rule) => {
            setOpen(false);
            ops.append(path, rule);
          }}
        />
      )}
    </div>
  );
}

function GroupCard({
  path,
  notPath,
  node,
  ops,
}: {
  path: string;
  notPath?: string;
  node: Extract<SegmentNode, { kind: 'and' | 'or' }>;
  ops: Ops;
}) {
  const { t } = useI18n();
  const id = useId();
  const joiner = t(node.kind === 'and' ? 'seg.joiner.and' : 'seg.joiner.or');
  return (
    <Card
      path={path}
      notPath={notPath}
      title={t(path === 'root' ? 'seg.group.root' : 'seg.group.title')}
      ops={ops}
      className="group-card"
    >
      <div className="field narrow-select">
        <label htmlFor={`${id}-kind`}>{t('seg.group.combine')}</label>
        <select
          id={`${id}-kind`}
          value={node.kind}
          onChange={(e) => ops.edit(path, { ...node, kind: e.target.value === 'or' ? 'or' : 'and' })}
        >
          <option value="and">{t('seg.group.and')}</option>
          <option value="or">{t('seg.group.or')}</option>
        </select>
      </div>
      {node.children.length === 0 ? (
        <p className="hint">{t('seg.group.empty')}</p>
      ) : (
        <ol className="rule-list">
          {node.children.map((c, i) => (
            <Fragment key={keyOf(c)}>
              {i > 0 && (
                <li className="joiner" aria-hidden="true">
                  {joiner}
                </li>
              )}
              <li>
                <NodeView path={childPath(path, i)} ops={ops} />
              </li>
            </Fragment>
          ))}
        </ol>
      )}
      {path !== 'root' && <LabelField node={node} onChange={(label) => ops.edit(path, { ...node, label })} />}
      <AddButtons path={path} ops={ops} />
    </Card>
  );
}

function NodeView({ path, notPath, ops }: { path: string; notPath?: string; ops: Ops }) {
  const { t } = useI18n();
  const node = nodeAt(ops.root, path);
  if (!node) return null;
  if (node.kind === 'not') return <NodeView path={notChildPath(path)} notPath={path} ops={ops} />;
  if (node.kind === 'and' || node.kind === 'or')
    return <GroupCard path={path} notPath={notPath} node={node} ops={ops} />;
  return (
    <Card path={path} notPath={notPath} title={ruleTitle(node, t)} ops={ops} className={`rule-${node.kind}`}>
      <RuleFields node={node} onChange={(n) => ops.edit(path, n)} />
      <LabelField node={node} onChange={(label) => ops.edit(path, { ...node, label })} />
    </Card>
  );
}

/** The definition as a tree of rule cards grouped by "Alla av / Någon av / Inte". */
export function RuleTree({ root, onChange }: { root: SegmentNode; onChange(root: SegmentNode): void }) {
  const ops: Ops = {
    root,
    edit: (path, node) => onChange(updateAt(root, path, () => node)),
    remove: (path) => onChange(updateAt(root, path, () => null)),
    negate: (path) => onChange(toggleNot(root, path)),
    append: (path, rule) => onChange(appendAt(root, path, rule)),
  };
  const rootIsGroup =
    root.kind === 'and' || root.kind === 'or' || (root.kind === 'not' && 'children' in root.child);
  return (
    <div className="rule-tree">
      <NodeView path="root" ops={ops} />
      {!rootIsGroup && <AddButtons path="root" ops={ops} />}
    </div>
  );
}
