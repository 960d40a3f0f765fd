/**
 * Aggregations: the typed accumulator class of a GROUP BY (one instance per group and window),
 * the key function, and how each output column is read back from an accumulator.
 *
 * State is shared where aggregates agree: `SUM(x)`, `AVG(x)` and `COUNT(x)` use one sum and
 * one count of the non-NULL `x`. SQL rules: NULL inputs are ignored; SUM, AVG, MIN, MAX,
 * FIRST_VALUE, LAST_VALUE, STDDEV and VAR are NULL over no non-NULL input; COUNT is 0.
 * COLLECT_LIST / ARRAY_AGG skip NULLs (Spark's collect_list). `FILTER (WHERE c)` adds a row
 * only when `c` is TRUE. FIRST_VALUE / LAST_VALUE are the first / last non-NULL value in
 * arrival order. Non-trivial states use the runtime's helpers (`rt.agg.DistinctSet`,
 * `HyperLogLog`, `Welford`, `CollectList`).
 *
 * Over an updating input (a non-windowed aggregate whose input's changelog is 'retract') the
 * accumulator also has `retract(row)`, the inverse of `add`, and a `rows` count of the rows
 * added and not retracted (the operator deletes the group at 0): COUNT and SUM subtract, AVG
 * subtracts both, MIN/MAX and the DISTINCT aggregates keep a counted multiset of the values
 * (`rt.agg.Multiset`: one entry per distinct value), COLLECT_LIST removes one occurrence and
 * STDDEV/VAR run Welford's update backwards. The planner refuses the others (SQ0703).
 */
import { internal } from './internal.ts';
import type { AggCall, AggregateNode, BoundExpr, NamedExpr, PlanField, WindowAggregateNode } from '../plan/plan.ts';
import type { SqlType } from '../types.ts';
import { typeToString } from '../types.ts';
import type { ExprCompiler, FieldAccess } from './expr.ts';
import type { ModuleBuilder } from './module.ts';
import { NameScope, toCamelCase } from './names.ts';
import { FnScope } from './scope.ts';
import { isPrimitive, nullableTsType, tsType } from './ts-types.ts';
import { exprToSql } from '../explain/expr.ts';

/** One piece of accumulator state (a class field) with how it is updated, merged and saved. */
interface Slot {
  readonly field: string;
  readonly tsType: string;
  readonly init: string;
  /**
   * Statements folding in value `v` (already known non-NULL), with `this.field`; `c` compiles
   * expressions over the row in the method (the arguments of a user-defined aggregate).
   */
  readonly add: (v: string, c: ExprCompiler) => string;
  /** Statements taking back value `v` (over an updating input); null when the state cannot. */
  readonly retract: ((v: string, c: ExprCompiler) => string) | null;
  readonly merge: (other: string) => string;
  /** How the field's state appears in a snapshot, and the TypeScript type of that part. */
  readonly save: string;
  readonly saveType: string;
  readonly load: (part: string) => string;
  readonly comment: string;
}

/** Slots grouped by the value they fold in (and the FILTER that guards them). */
interface Input {
  readonly key: string;
  readonly arg: BoundExpr | null;
  readonly filter: BoundExpr | null;
  /** By a name describing the state (`amountSum`), so aggregates that agree share it. */
  readonly slots: Map<string, Slot>;
}

export interface AggregateCode {
  /** The accumulator class name. */
  readonly acc: string;
  /** TypeScript type of the group key. */
  readonly keyType: string;
  /** `(row) => key` as code. */
  readonly key: string;
  /**
   * Reads output column `name` inside a result function with parameters `acc` and `key`;
   * `prelude` collects statements the reads need (decoding a composite key).
   */
  readonly output: (name: string, prelude: string[], scope: FnScope) => FieldAccess;
  /** The state schema: the accumulator's fields with the types of their saved state. */
  readonly state: readonly string[];
  /** The aggregates as SQL (`SUM(v)`), in plan order. */
  readonly aggregates: readonly string[];
}

type AggNode = WindowAggregateNode | AggregateNode;

/**
 * Declares the accumulator class (and the composite-key decoder) of `node` in the module and
 * returns the pieces the operator config is made of. `inType` is the type of input rows and
 * `inField` reads one of their fields inside functions whose row parameter is `row`.
 */
export function compileAggregate(
  m: ModuleBuilder,
  node: AggNode,
  names: { readonly acc: string; readonly keyDecoder: string },
  inType: string,
  inField: (name: string) => FieldAccess,
  where: string,
  merge: boolean,
  retracting = false,
): AggregateCode {
  const classNames = new NameScope(['add', 'retract', 'merge', 'snapshot', 'restore', 'constructor']);
  const inputs: Input[] = [];
  const outputs = new Map<string, (acc: string) => { code: string; nullable: boolean }>();

  // Aggregates over the same value (`x` and `CAST(x AS DOUBLE)` compile alike) and FILTER share
  // one input: the value is computed and tested for NULL once per row.
  const probe = new FnScope(m, m.names, ['row']).compiler(inField, node.span);
  const inputKey = (arg: BoundExpr | null, filter: BoundExpr | null) =>
    `${arg ? probe.value(arg) : '*'} ${filter ? probe.isTrue(filter) : ''}`;
  const inputFor = (arg: BoundExpr | null, filter: BoundExpr | null): Input => {
    const key = inputKey(arg, filter);
    let input = inputs.find((i) => i.key === key);
    if (!input) {
      input = { key, arg, filter, slots: new Map() };
      inputs.push(input);
    }
    return input;
  };
  /** A readable base name for the state of an aggregate: the column it reads, or its output name. */
  const baseName = (a: AggCall): string => {
    let arg = a.args[0];
    while (arg && arg.kind === 'Cast') arg = arg.expr;
    return toCamelCase(!a.filter && arg && arg.kind === 'FieldRef' ? arg.name : a.name);
  };
  /** What an input is, for comments: `amount`, `price * quantity`, `x where x > 5`. */
  const what = (a: AggCall): string => {
    const arg = a.args[0];
    const text = arg ? exprToSql(arg).replace(/^\((.*)\)$/, '$1') : 'rows';
    return a.filter ? `${text} where ${exprToSql(a.filter).replace(/^\((.*)\)$/, '$1')}` : text;
  };
  const slotOf = (input: Input, id: string, make: (field: string) => Slot): Slot => {
    let slot = input.slots.get(id);
    if (!slot) {
      slot = make(classNames.fresh(id.split(' ')[0]!));
      input.slots.set(id, slot);
    }
    return slot;
  };

  const counter = (input: Input, id: string, comment: string): Slot =>
    slotOf(input, id, (field) => ({
      field,
      tsType: 'number',
      init: '0',
      add: () => `this.${field}++;`,
      retract: () => `this.${field}--;`,
      merge: (o) => `this.${field} += ${o}.${field};`,
      save: `this.${field}`,
      saveType: 'number',
      load: (p) => p,
      comment,
    }));

  // Over an updating input the group's live row count comes first, so its field is `rows`.
  if (retracting) counter(inputFor(null, null), 'rows', 'COUNT(*)');
  /** A counted multiset of the non-NULL values (retractable MIN/MAX and DISTINCT). */
  const multiset = (input: Input, id: string, comment: string, generic: string): Slot =>
    slotOf(input, id, (field) => ({
      field,
      tsType: `${m.rt('agg.Multiset')}${generic}`,
      init: `new ${m.rt('agg.Multiset')}${generic}()`,
      add: (v) => `this.${field}.add(${v});`,
      retract: (v) => `this.${field}.retract(${v});`,
      merge: () => internal('a counted multiset is never merged (sessions do not retract)'),
      save: `this.${field}.snapshot()`,
      saveType: m.rt('Json'),
      load: (p) => `${m.rt('agg.Multiset')}.restore${generic}(${p})`,
      comment,
    }));

  const aggregates: string[] = [];
  for (const a of node.aggs) {
    const arg = a.args[0] ?? null;
    const fnName = a.kind === 'count_star' ? 'COUNT' : a.kind === 'udf' ? a.udf! : a.kind.toUpperCase();
    const argsSql = a.kind === 'udf' ? a.args.map(exprToSql).join(', ') : arg ? exprToSql(arg) : '*';
    const sql = `${fnName}(${a.distinct ? 'DISTINCT ' : ''}${argsSql})${a.filter ? ` FILTER (WHERE ${exprToSql(a.filter)})` : ''}`;
    aggregates.push(sql);
    const base = baseName(a);
    const w = what(a);
    const argType: SqlType = arg?.type ?? { kind: 'BIGINT' };
    const valueType = tsType(argType);
    // Sets and sketches hold primitives: ARRAY, MAP and ROW values go in as their JSON text.
    const keyed = isPrimitive(argType);
    const helper = (cls: string, id: string, comment: string, generic = ''): Slot =>
      slotOf(inputFor(arg, a.filter), id, (field) => ({
        field,
        tsType: `${m.rt(`agg.${cls}`)}${generic}`,
        init: `new ${m.rt(`agg.${cls}`)}${generic}()`,
        add: (v) => `this.${field}.add(${cls === 'CollectList' || keyed ? v : `JSON.stringify(${v})`});`,
        retract: cls === 'CollectList' || cls === 'Welford' ? (v) => `this.${field}.retract(${v});` : null,
        merge: (o) => `this.${field}.merge(${o}.${field});`,
        save: `this.${field}.snapshot()`,
        saveType: m.rt('Json'),
        load: (p) => `${m.rt(`agg.${cls}`)}.restore${generic}(${p})`,
        comment,
      }));
    const value = (
      id: string,
      comment: string,
      add: (field: string, v: string) => string,
      merge: (field: string, o: string) => string,
    ): Slot =>
      slotOf(inputFor(arg, a.filter), id, (field) => ({
        field,
        tsType: `${nullableTsType(argType, true)}`,
        init: 'null',
        add: (v) => add(field, v),
        retract: null,
        merge: (o) => merge(field, o),
        save: `this.${field}`,
        saveType: nullableTsType(argType, true),
        load: (p) => p,
        comment,
      }));

    switch (a.kind) {
      case 'udf': {
        const id = `${toCamelCase(a.name)}State ${a.name}`;
        const s = slotOf(inputFor(null, a.filter), id, (field) => udfSlot(m, a, field, sql));
        const result = `${udfObject(m, a)}.result`;
        const nullable = m.userFunction(a.udf!).def.nullable;
        outputs.set(a.name, (acc) => ({ code: `${result}(${acc}.${s.field})`, nullable }));
        break;
      }
      case 'count_star':
      case 'count': {
        if (a.distinct && arg && retracting) {
          const s = multiset(
            inputFor(arg, a.filter),
            `${base}Distinct`,
            `the distinct non-NULL ${w}, counted`,
            `<${keyed ? valueType : 'string'}>`,
          );
          outputs.set(a.name, (acc) => ({ code: `${acc}.${s.field}.size`, nullable: false }));
          break;
        }
        if (a.distinct && arg) {
          const s = helper(
            'DistinctSet',
            `${base}Distinct`,
            `the distinct non-NULL ${w}`,
            `<${keyed ? valueType : 'string'}>`,
          );
          outputs.set(a.name, (acc) => ({ code: `${acc}.${s.field}.size`, nullable: false }));
          break;
        }
        const input = inputFor(a.kind === 'count' ? arg : null, a.filter);
        const s =
          a.kind === 'count_star' && !a.filter
            ? counter(input, 'rows', 'COUNT(*)')
            : counter(input, `${base}Count`, `count of the ${a.kind === 'count' ? 'non-NULL ' : ''}${w}`);
        outputs.set(a.name, (acc) => ({ code: `${acc}.${s.field}`, nullable: false }));
        break;
      }
      case 'sum':
      case 'avg': {
        if (!arg) break;
        const resultKind = a.type.kind;
        /** SUM/AVG(DISTINCT) over the distinct values in `field` (a Set, or a counted multiset's keys at `values`). */
        const distinctSumOrAvg = (field: string, values: string): void => {
          const total = (acc: string) => `${m.fn('sumOf')}(${acc}.${values})`;
          outputs.set(a.name, (acc) => ({
            code:
              a.kind === 'sum'
                ? `${acc}.${field}.size === 0 ? null : ${total(acc)}`
                : `${acc}.${field}.size === 0 ? null : ${avgCode(`${total(acc)} / ${acc}.${field}.size`, resultKind)}`,
            nullable: true,
          }));
        };
        if (a.distinct && retracting) {
          const s = multiset(
            inputFor(arg, a.filter),
            `${base}Distinct`,
            `the distinct non-NULL ${w}, counted`,
            '<number>',
          );
          distinctSumOrAvg(s.field, `${s.field}.values()`);
          break;
        }
        if (a.distinct) {
          const s = slotOf(inputFor(arg, a.filter), `${base}Values`, (field) => ({
            field,
            tsType: 'Set<number>',
            init: 'new Set<number>()',
            add: (v) => `this.${field}.add(${v});`,
            retract: null,
            merge: (o) => `for (const v of ${o}.${field}) this.${field}.add(v);`,
            save: `[...this.${field}]`,
            saveType: 'number[]',
            load: (p) => `new Set(${p})`,
            comment: `the distinct non-NULL ${w}`,
          }));
          distinctSumOrAvg(s.field, s.field);
          break;
        }
        const input = inputFor(arg, a.filter);
        // SUM(INT) wraps at 32 bits and SUM(BIGINT) must stay exact, as their arithmetic does.
        const mode =
          a.kind === 'avg' ? 'plain' : resultKind === 'INT' ? 'int' : resultKind === 'BIGINT' ? 'bigint' : 'plain';
        // The slot id keeps the modes apart; the field is just `xSum` (`xSum2` next to another).
        const sum = slotOf(input, `${base}Sum ${mode}`, (field) => ({
          field,
          tsType: 'number',
          init: '0',
          add: (v) =>
            mode === 'int'
              ? `this.${field} = (this.${field} + ${v}) | 0;`
              : mode === 'bigint'
                ? `this.${field} = ${m.fn('bigint')}(this.${field} + ${v});`
                : `this.${field} += ${v};`,
          retract: (v) =>
            mode === 'int'
              ? `this.${field} = (this.${field} - ${v}) | 0;`
              : mode === 'bigint'
                ? `this.${field} = ${m.fn('bigint')}(this.${field} - ${v});`
                : `this.${field} -= ${v};`,
          merge: (o) =>
            mode === 'int'
              ? `this.${field} = (this.${field} + ${o}.${field}) | 0;`
              : mode === 'bigint'
                ? `this.${field} = ${m.fn('bigint')}(this.${field} + ${o}.${field});`
                : `this.${field} += ${o}.${field};`,
          save: `this.${field}`,
          saveType: 'number',
          load: (p) => p,
          comment: `sum of the non-NULL ${w}`,
        }));
        const count = counter(input, `${base}Count`, `count of the non-NULL ${w}`);
        outputs.set(a.name, (acc) => ({
          code:
            a.kind === 'sum'
              ? `${acc}.${count.field} === 0 ? null : ${acc}.${sum.field}`
              : `${acc}.${count.field} === 0 ? null : ${avgCode(`${acc}.${sum.field} / ${acc}.${count.field}`, resultKind)}`,
          nullable: true,
        }));
        break;
      }
      case 'min':
      case 'max': {
        if (!arg) break;
        if (!isPrimitive(argType)) {
          internal(`${a.kind.toUpperCase()} of ${typeToString(argType)} is not supported`);
        }
        if (retracting) {
          const s = multiset(
            inputFor(arg, a.filter),
            `${base}Values`,
            `the non-NULL ${w}, counted (${sql} after retractions)`,
            `<${valueType}>`,
          );
          outputs.set(a.name, (acc) => ({ code: `${acc}.${s.field}.${a.kind}()`, nullable: true }));
          break;
        }
        const op = a.kind === 'min' ? '<' : '>';
        const better = (v: string, cur: string) =>
          argType.kind === 'BOOLEAN' ? `Number(${v}) ${op} Number(${cur})` : `${v} ${op} ${cur}`;
        const s = value(
          `${base}${a.kind === 'min' ? 'Min' : 'Max'}`,
          sql,
          (f, v) => `if (this.${f} === null || ${better(v, `this.${f}`)}) this.${f} = ${v};`,
          (f, o) =>
            `if (${o}.${f} !== null && (this.${f} === null || ${better(`${o}.${f}`, `this.${f}`)})) this.${f} = ${o}.${f};`,
        );
        outputs.set(a.name, (acc) => ({ code: `${acc}.${s.field}`, nullable: true }));
        break;
      }
      case 'first_value':
      case 'last_value': {
        if (!arg) break;
        const first = a.kind === 'first_value';
        const s = value(
          `${base}${first ? 'First' : 'Last'}`,
          sql,
          (f, v) => (first ? `if (this.${f} === null) this.${f} = ${v};` : `this.${f} = ${v};`),
          // `other` is the later session: FIRST keeps ours, LAST takes theirs.
          (f, o) =>
            first ? `if (this.${f} === null) this.${f} = ${o}.${f};` : `if (${o}.${f} !== null) this.${f} = ${o}.${f};`,
        );
        outputs.set(a.name, (acc) => ({ code: `${acc}.${s.field}`, nullable: true }));
        break;
      }
      case 'collect_list': {
        if (!arg) break;
        const s = helper('CollectList', `${base}List`, `the non-NULL ${w} in arrival order`, `<${valueType}>`);
        outputs.set(a.name, (acc) => ({ code: `${acc}.${s.field}.result()`, nullable: false }));
        break;
      }
      case 'stddev_pop':
      case 'stddev_samp':
      case 'var_pop':
      case 'var_samp': {
        if (!arg) break;
        const s = helper('Welford', `${base}Stats`, `count, mean and squared deviations of the non-NULL ${w}`);
        const method = { stddev_pop: 'stddevPop', stddev_samp: 'stddevSamp', var_pop: 'varPop', var_samp: 'varSamp' }[
          a.kind
        ];
        outputs.set(a.name, (acc) => ({ code: `${acc}.${s.field}.${method}()`, nullable: true }));
        break;
      }
      case 'approx_count_distinct': {
        if (!arg) break;
        const s = helper('HyperLogLog', `${base}Sketch`, `a HyperLogLog sketch of the non-NULL ${w}`);
        outputs.set(a.name, (acc) => ({ code: `${acc}.${s.field}.estimate()`, nullable: false }));
        break;
      }
      case 'bool_and':
      case 'bool_or': {
        if (!arg) break;
        const and = a.kind === 'bool_and';
        const s = value(
          `${base}${and ? 'All' : 'Any'}`,
          sql,
          (f, v) => `this.${f} = this.${f} === null ? ${v} : this.${f} ${and ? '&&' : '||'} ${v};`,
          (f, o) =>
            `if (${o}.${f} !== null) this.${f} = this.${f} === null ? ${o}.${f} : this.${f} ${and ? '&&' : '||'} ${o}.${f};`,
        );
        outputs.set(a.name, (acc) => ({ code: `${acc}.${s.field}`, nullable: true }));
        break;
      }
    }
    if (!outputs.has(a.name)) internal(`cannot compile the aggregate ${sql}`);
  }

  // add(row) / retract(row): compute each input once, test it for NULL once, update its slots.
  const foldLines = (addScope: FnScope, update: (s: Slot, v: string, c: ExprCompiler) => string): string[] => {
    const c = addScope.compiler(inField, node.span);
    const addLines: string[] = [];
    for (const input of inputs) {
      if (input.slots.size === 0) continue;
      const updates = (v: string) => [...input.slots.values()].map((s) => update(s, v, c)).join('\n');
      let stmt: string;
      if (input.arg === null) {
        stmt = updates('');
      } else {
        const v = c.compile(input.arg);
        const code = c.materialize(v);
        if (!c.mayBeNull(v)) {
          stmt = updates(code);
        } else if (/^[\w$.]+$/.test(code)) {
          stmt = `if (${code} !== null) {\n${updates(code)}\n}`;
        } else {
          const id = addScope.names.fresh(input.arg.kind === 'FieldRef' ? input.arg.name : 'value');
          stmt = `const ${id} = ${code};\nif (${id} !== null) {\n${updates(id)}\n}`;
        }
      }
      addLines.push(input.filter ? `if (${c.isTrue(input.filter)}) {\n${stmt}\n}` : stmt);
    }
    return addLines;
  };
  const addScope = new FnScope(m, m.names, ['row']);
  const addLines = foldLines(addScope, (s, v, c) => s.add(v, c));
  const retractScope = new FnScope(m, m.names, ['row']);
  const retractLines = retracting
    ? foldLines(retractScope, (s, v, c) => s.retract?.(v, c) ?? internal(`the state ${s.field} cannot retract`))
    : [];

  const slots = inputs.flatMap((i) => [...i.slots.values()]);
  const acc = names.acc;
  // Field types are written where the initial value does not say them (`null`).
  const fields = slots.map(
    (s) => `/** ${s.comment} */\n${s.field}${s.init === 'null' ? `: ${s.tsType}` : ''} = ${s.init};`,
  );
  const parts = slots.map((s) => s.field);
  const restoreLines = slots.map((s, i) => `acc.${s.field} = ${s.load(parts[i]!)};`);
  const methods = [
    `add(${/\brow\b/.test(addLines.join('\n')) ? 'row' : '_row'}: ${inType}): void {\n${addScope.body(addLines.join('\n'))}\n}`,
    ...(retracting
      ? [
          `/** Takes back a row added before (a retraction of the updating input). */\nretract(${/\brow\b/.test(retractLines.join('\n')) ? 'row' : '_row'}: ${inType}): void {\n${retractScope.body(retractLines.join('\n'))}\n}`,
        ]
      : []),
    ...(merge
      ? [
          `/** Folds in the accumulator of a later session that merges into this one. */\nmerge(other: ${acc}): void {\n${slots.map((s) => s.merge('other')).join('\n')}\n}`,
        ]
      : []),
    `snapshot(): ${m.rt('Json')} {\nreturn [${slots.map((s) => s.save).join(', ')}];\n}`,
    `static restore(state: ${m.rt('Json')}): ${acc} {\n${
      slots.length ? `const [${parts.join(', ')}] = state as [${slots.map((s) => s.saveType).join(', ')}];\n` : ''
    }const acc = new ${acc}();\n${restoreLines.join('\n')}${restoreLines.length ? '\n' : ''}return acc;\n}`,
  ];
  m.declare(
    'queries',
    `/** The aggregates of one group ${where}. */\nclass ${acc} implements ${m.rt('Accumulator')}<${inType}> {\n${[...fields, ...methods].join('\n\n')}\n}`,
  );

  // The key: one column → its value; several → a composite string, decoded by a typed function.
  const keyScope = new FnScope(m, m.names, ['row']);
  const kc = keyScope.compiler(inField, node.span);
  let keyType: string;
  let key: string;
  let output: AggregateCode['output'];
  const keyFields = node.keys;
  const aggOutput = (name: string): FieldAccess | null => {
    const o = outputs.get(name);
    if (!o) return null;
    const agg = node.aggs.find((a) => a.name === name)!;
    const r = o('acc');
    return { code: r.code, nullable: r.nullable, type: agg.type };
  };
  if (keyFields.length === 0) {
    keyType = 'null';
    key = '() => null';
    output = (name) => aggOutput(name) ?? unknownOutput(name);
  } else if (keyFields.length === 1) {
    const k = keyFields[0]!;
    const v = kc.value(k.expr);
    keyType = nullableTsType(k.expr.type, k.expr.nullable);
    key = keyBody(keyScope, v);
    output = (name) =>
      name === k.name
        ? { code: 'key', nullable: k.expr.nullable, type: k.expr.type }
        : (aggOutput(name) ?? unknownOutput(name));
  } else {
    keyType = 'string';
    const parts = keyFields.map((k) => kc.value(k.expr));
    key = keyBody(keyScope, `${m.rt('compositeKey')}(${parts.join(', ')})`);
    declareKeyDecoder(m, names.keyDecoder, keyFields, where);
    // The key is decoded once per result function, on the first read of a key column.
    const decoded = new Map<FnScope, string[]>();
    output = (name, prelude, scope) => {
      const i = keyFields.findIndex((k) => k.name === name);
      if (i < 0) return aggOutput(name) ?? unknownOutput(name);
      let ids = decoded.get(scope);
      if (!ids) {
        ids = keyFields.map((k) => scope.names.fresh(k.name));
        decoded.set(scope, ids);
        prelude.unshift(`const [${ids.join(', ')}] = ${names.keyDecoder}(key);`);
      }
      const k = keyFields[i]!;
      return { code: ids[i]!, nullable: k.expr.nullable, type: k.expr.type };
    };
  }
  return { acc, keyType, key, output, state: slots.map((s) => `${s.field}: ${s.saveType}`), aggregates };
}

/**
 * The state slot of a user-defined aggregate (CREATE FUNCTION): `create()` per group,
 * `accumulate(state, ...args)` per row whose strict arguments (parameters without `| null`) are
 * all non-NULL, `merge` for sessions, and `snapshot`/`restore` (or the state as JSON) in checkpoints.
 */
function udfSlot(m: ModuleBuilder, a: AggCall, field: string, sql: string): Slot {
  const obj = udfObject(m, a);
  const f = m.userFunction(a.udf!);
  const stateType = `ReturnType<typeof ${obj}.create>`;
  /** `accumulate` or `retract` with the row's arguments, when its strict ones are non-NULL. */
  const fold = (method: string, c: ExprCompiler): string => {
    const vals = a.args.map((x) => c.compile(x));
    const parts = vals.map((v, i) =>
      f.def.params[i]!.nullable ? { pre: [], guards: [], code: c.materialize(v) } : c.mayBeNull(v) ? c.pin(v) : v,
    );
    const pre = parts.flatMap((p) => p.pre).map((p) => `${p};`);
    const guards = [...new Set(parts.flatMap((p) => p.guards))];
    const call = `${obj}.${method}(this.${field}${parts.map((p) => `, ${p.code}`).join('')});`;
    return [...pre, guards.length ? `if (${guards.map((g) => `${g} !== null`).join(' && ')}) ${call}` : call].join(
      '\n',
    );
  };
  return {
    field,
    tsType: stateType,
    init: `${obj}.create()`,
    add: (_v, c) => fold('accumulate', c),
    retract: f.def.retract === 'never' ? null : (_v, c) => fold(f.def.retract === 'maybe' ? 'retract!' : 'retract', c),
    merge: (o) => {
      if (f.def.merge === 'never') internal(`${sql} has no merge`);
      return `${obj}.merge!(this.${field}, ${o}.${field});`;
    },
    save: optional(f.def.snapshot, `${obj}.snapshot`, `(this.${field})`, `this.${field} as unknown as ${m.rt('Json')}`),
    saveType: m.rt('Json'),
    load: (p) => optional(f.def.snapshot, `${obj}.restore`, `(${p})`, `${p} as unknown as ${stateType}`),
    comment: `the state of ${sql} (user-defined)`,
  };
}

/** A call of an aggregate's optional method, or `otherwise` without it. */
function optional(member: 'always' | 'maybe' | 'never', method: string, args: string, otherwise: string): string {
  if (member === 'never') return otherwise;
  if (member === 'always') return `${method}${args}`;
  return `(${method} ? ${method}${args} : ${otherwise})`;
}

/** The object whose methods a user-defined aggregate is: the export, or one instance of an exported class. */
function udfObject(m: ModuleBuilder, a: AggCall): string {
  const f = m.userFunction(a.udf!);
  return f.def.isClass
    ? m.constant(`${f.def.name}_instance`, `new ${f.ident}()`, `One instance of the class ${f.def.exportName}`)
    : f.ident;
}

function unknownOutput(name: string): never {
  throw new Error(`internal: the aggregate has no output column "${name}"`);
}

function keyBody(scope: FnScope, value: string): string {
  const decls = scope.declarations();
  return decls ? `(row) => {\n${decls}\nreturn ${value};\n}` : `(row) => ${value}`;
}

/** AVG's result: an integer type truncates (as Flink's AVG of INT does). */
function avgCode(quotient: string, resultKind: SqlType['kind']): string {
  return resultKind === 'INT' || resultKind === 'BIGINT' ? `Math.trunc(${quotient})` : quotient;
}

function declareKeyDecoder(m: ModuleBuilder, name: string, keys: readonly NamedExpr[], where: string): void {
  const tuple = keys
    .map((k) => `${toIdentifierLabel(k.name)}: ${nullableTsType(k.expr.type, k.expr.nullable)}`)
    .join(', ');
  const plain = keys.map((k) => nullableTsType(k.expr.type, k.expr.nullable)).join(', ');
  m.declare(
    'queries',
    `/** The key columns of a group ${where}, back from their composite key (\`rt.compositeKey\`). */\nfunction ${name}(key: string): [${tuple}] {\nreturn JSON.parse(\`[\${key}]\`) as [${plain}];\n}`,
  );
}

function toIdentifierLabel(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : toCamelCase(name);
}

/** The output row type of an aggregate: the fields downstream reads, in schema order. */
export function aggregateRowFields(node: AggNode, needed: ReadonlySet<string>): PlanField[] {
  return node.schema.filter((f) => needed.has(f.name));
}
