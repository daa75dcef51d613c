import type { DuckDBConnection } from '@duckdb/node-api';
import { compileDefinition } from '../compile.ts';
import type { Definition } from '../definition.ts';
import { DefinitionError, validateDefinition } from '../validate.ts';
import type { LakeEvaluation, LakeOptions } from './index.ts';

/**
 * One definition over a lake's index tables: validated and compiled exactly
 * as in stored mode, in the duckdb dialect (times as epoch ms), which
 * refuses consent, engagement and list rules with UnsupportedInDialect.
 */
export async function evaluateLake(
  c: DuckDBConnection,
  def: Definition,
  asOf: number,
  opts: Pick<LakeOptions, 'careUnitRefs' | 'careUnitExists' | 'segment'>,
): Promise<LakeEvaluation> {
  const started = performance.now();
  const segment = opts.segment ?? (() => undefined);
  const careUnitRefs = opts.careUnitRefs ?? (() => []);
  // Lists pass validation here so that compiling says why lake mode cannot read them.
  const problems = validateDefinition(def, {
    segment,
    list: () => true,
    careUnit: opts.careUnitExists ?? ((id) => careUnitRefs(id).length > 0),
  });
  if (problems.length) throw new DefinitionError(problems);
  const compiled = compileDefinition(def, { asOf, dialect: 'duckdb', segment, careUnitRefs });
  // '0' ||: node-api's VARCHAR decoding drops a leading U+FEFF, which an id may (invalidly) start with.
  const rows = await c.runAndReadAll(`SELECT '0' || patient_id AS id FROM (${compiled.membersSql})`);
  const members = ((rows.getColumnsJS()[0] ?? []) as string[]).map((id) => id.slice(1)).sort();
  const f = (await c.runAndReadAll(compiled.funnelSql)).getRowObjectsJS()[0];
  return {
    members,
    count: members.length,
    universe: Number(f.universe),
    funnel: compiled.steps.map((s, i) => ({
      path: s.path,
      label: s.label,
      alone: Number(f[`alone_${i}`]),
      cumulative: Number(f[`cumulative_${i}`]),
    })),
    ms: performance.now() - started,
  };
}
