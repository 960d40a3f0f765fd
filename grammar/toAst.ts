/**
 * CST → AST: a Chevrotain CST visitor, kept apart from the grammar. The parser runs without error
 * recovery, so the trees seen here are complete; the accessors still produce `ErrorExpr` or a
 * placeholder name for a missing child (a grammar bug), so the binder never sees `undefined`.
 * Problems the grammar cannot express (unknown type names, malformed window calls) are returned
 * as `problems` and reported as SQ0001.
 */
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type * as A from './ast.ts';
import { parser } from './parser.ts';

type Ctx = Record<string, CstElement[] | undefined>;

const BaseVisitor = parser.getBaseCstVisitorConstructor();

const NO_SPAN: A.Span = { offset: 0, end: 0, line: 1, col: 1 };

function isToken(e: CstElement | undefined): e is IToken {
  return e !== undefined && 'image' in e;
}

export function tokenSpan(t: IToken | undefined): A.Span {
  if (!t || Number.isNaN(t.startOffset)) return NO_SPAN;
  return {
    offset: t.startOffset,
    end: (t.endOffset ?? t.startOffset) + 1,
    line: t.startLine ?? 1,
    col: t.startColumn ?? 1,
  };
}

function nodeSpan(n: CstElement | undefined): A.Span {
  if (!n) return NO_SPAN;
  if (isToken(n)) return tokenSpan(n);
  const l = n.location;
  if (!l || Number.isNaN(l.startOffset) || l.startLine === undefined || Number.isNaN(l.startLine)) return NO_SPAN;
  return {
    offset: l.startOffset,
    end: (Number.isNaN(l.endOffset ?? NaN) ? l.startOffset : l.endOffset!) + 1,
    line: l.startLine,
    col: l.startColumn ?? 1,
  };
}

/** The span from the start of `a` to the end of `b`. */
function cover(a: A.Span, b: A.Span): A.Span {
  if (a === NO_SPAN) return b;
  if (b === NO_SPAN) return a;
  return { offset: a.offset, end: Math.max(a.end, b.end), line: a.line, col: a.col };
}

function tok(ctx: Ctx, key: string, i = 0): IToken | undefined {
  const e = ctx[key]?.[i];
  return isToken(e) ? e : undefined;
}

function node(ctx: Ctx, key: string, i = 0): CstNode | undefined {
  const e = ctx[key]?.[i];
  return e && !isToken(e) ? e : undefined;
}

function nodes(ctx: Ctx, key: string): CstNode[] {
  return (ctx[key] ?? []).filter((e): e is CstNode => !isToken(e));
}

/** `'it''s'` → `it's`. */
export function unquoteString(image: string): string {
  return image.slice(1, -1).replace(/''/g, "'");
}

const UNITS: Record<string, A.TimeUnit> = {
  MILLISECOND: 'MILLISECOND',
  MILLISECONDS: 'MILLISECOND',
  SECOND: 'SECOND',
  SECONDS: 'SECOND',
  MINUTE: 'MINUTE',
  MINUTES: 'MINUTE',
  HOUR: 'HOUR',
  HOURS: 'HOUR',
  DAY: 'DAY',
  DAYS: 'DAY',
  WEEK: 'WEEK',
  WEEKS: 'WEEK',
  MONTH: 'MONTH',
  MONTHS: 'MONTH',
  QUARTER: 'QUARTER',
  QUARTERS: 'QUARTER',
  YEAR: 'YEAR',
  YEARS: 'YEAR',
  DOW: 'DOW',
  DOY: 'DOY',
  EPOCH: 'EPOCH',
};

export function timeUnit(word: string): A.TimeUnit | null {
  return UNITS[word.toUpperCase()] ?? null;
}

const TYPE_NAMES: Record<string, A.TypeName> = {
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  TINYINT: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INT: 'INT',
  INTEGER: 'INT',
  BIGINT: 'BIGINT',
  FLOAT: 'FLOAT',
  REAL: 'FLOAT',
  DOUBLE: 'DOUBLE',
  DECIMAL: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  DEC: 'DECIMAL',
  STRING: 'STRING',
  VARCHAR: 'VARCHAR',
  CHAR: 'CHAR',
  BYTES: 'BYTES',
  VARBINARY: 'BYTES',
  BINARY: 'BYTES',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMP_LTZ',
  DATE: 'DATE',
  TIME: 'TIME',
  INTERVAL: 'INTERVAL',
  ARRAY: 'ARRAY',
  MAP: 'MAP',
  ROW: 'ROW',
};

/** Niladic functions that SQL writes without parentheses. */
const NILADIC = new Set([
  'CURRENT_TIMESTAMP',
  'CURRENT_DATE',
  'CURRENT_TIME',
  'LOCALTIMESTAMP',
  'LOCALTIME',
  'CURRENT_ROW_TIMESTAMP',
]);
/** Functions whose first argument is a bare time unit. */
const UNIT_FIRST = new Set(['TIMESTAMPDIFF', 'TIMESTAMPADD', 'DATE_TRUNC']);

export interface AstProblems {
  /** Problems found while building the AST (unknown type name, bad window function name). */
  readonly problems: { message: string; span: A.Span }[];
}

class AstBuilder extends BaseVisitor {
  readonly problems: { message: string; span: A.Span }[] = [];

  constructor() {
    super();
    this.validateVisitor();
  }

  private v<T>(n: CstNode | undefined): T | undefined {
    return n ? (this.visit(n) as T) : undefined;
  }

  private expr(n: CstNode | undefined, fallback: A.Span = NO_SPAN): A.Expr {
    return this.v<A.Expr>(n) ?? { kind: 'ErrorExpr', span: n ? nodeSpan(n) : fallback };
  }

  private ident(n: CstNode | undefined, fallback: A.Span = NO_SPAN): A.Ident {
    return this.v<A.Ident>(n) ?? { kind: 'Ident', name: '?', quoted: false, span: fallback };
  }

  // ---- statements

  statement(ctx: Ctx): A.Statement | undefined {
    return this.v(node(ctx, 'setStatement') ?? node(ctx, 'createStatement') ?? node(ctx, 'insertStatement'));
  }

  setStatement(ctx: Ctx, span: A.Span): A.SetStatement {
    const key = node(ctx, 'key');
    const value = node(ctx, 'value');
    return {
      kind: 'SetStatement',
      key: this.v<string>(key) ?? '',
      keySpan: nodeSpan(key),
      value: this.v<string>(value) ?? '',
      valueSpan: nodeSpan(value),
      span,
    };
  }

  setWord(ctx: Ctx): string {
    const s = tok(ctx, 'StringLiteral');
    if (s) return unquoteString(s.image);
    const n = tok(ctx, 'NumberLiteral');
    if (n) return n.image;
    return nodes(ctx, 'anyWord')
      .map((w) => this.visit(w) as string)
      .join('.');
  }

  createStatement(ctx: Ctx, span: A.Span): A.CreateRelation | A.CreateView | A.CreateFunction {
    const ifNotExists = this.v<boolean>(node(ctx, 'ifNotExists')) ?? false;
    const name = this.ident(node(ctx, 'name'), span);
    if (tok(ctx, 'Function')) {
      const target = tok(ctx, 'target');
      const language = node(ctx, 'language');
      return {
        kind: 'CreateFunction',
        name,
        ifNotExists,
        target: target ? unquoteString(target.image) : '',
        targetSpan: target ? tokenSpan(target) : span,
        language: language ? (this.visit(language) as string).toUpperCase() : null,
        languageSpan: language ? nodeSpan(language) : null,
        span,
      };
    }
    if (tok(ctx, 'View')) {
      const aliases = node(ctx, 'aliases');
      return {
        kind: 'CreateView',
        name,
        ifNotExists,
        columnAliases: aliases ? (this.visit(aliases) as A.Ident[]) : null,
        query: this.queryOf(node(ctx, 'query'), span),
        span,
      };
    }
    const relTok = tok(ctx, 'relation');
    const relation = (relTok?.image.toUpperCase() ?? 'STREAM') as A.RelationKind;
    const elements = nodes(ctx, 'tableElement').map(
      (e) => this.visit(e) as A.ColumnDef | A.WatermarkDef | A.PrimaryKeyDef | undefined,
    );
    const hasList = tok(ctx, 'LParen') !== undefined;
    const columns = elements.filter(
      (e): e is A.ColumnDef => !!e && e.kind !== 'WatermarkDef' && e.kind !== 'PrimaryKeyDef',
    );
    const watermark = elements.find((e): e is A.WatermarkDef => e?.kind === 'WatermarkDef') ?? null;
    let primaryKey = elements.find((e): e is A.PrimaryKeyDef => e?.kind === 'PrimaryKeyDef') ?? null;
    const inlinePk = columns.filter((c): c is A.PhysicalColumn => c.kind === 'PhysicalColumn' && c.primaryKey);
    if (!primaryKey && inlinePk.length) {
      primaryKey = {
        kind: 'PrimaryKeyDef',
        columns: inlinePk.map((c) => c.name),
        notEnforced: true,
        span: inlinePk[0]!.span,
      };
    }
    const asQuery = node(ctx, 'asQuery');
    return {
      kind: 'CreateRelation',
      relation,
      name,
      ifNotExists,
      columns: hasList ? columns : null,
      watermark,
      primaryKey,
      partitionedBy: this.v<A.Ident[]>(node(ctx, 'partitionedBy')) ?? [],
      options: this.v<A.OptionPair[]>(node(ctx, 'optionList')) ?? [],
      asQuery: asQuery ? this.queryOf(asQuery, span) : null,
      emit: this.v<A.EmitClause>(node(ctx, 'emitClause')) ?? null,
      span,
    };
  }

  ifNotExists(ctx: Ctx): boolean {
    return tok(ctx, 'Exists') !== undefined;
  }

  tableElement(ctx: Ctx): A.ColumnDef | A.WatermarkDef | A.PrimaryKeyDef | undefined {
    return this.v(node(ctx, 'watermarkDef') ?? node(ctx, 'primaryKeyDef') ?? node(ctx, 'columnDef'));
  }

  watermarkDef(ctx: Ctx, span: A.Span): A.WatermarkDef {
    return {
      kind: 'WatermarkDef',
      column: this.ident(node(ctx, 'column'), span),
      expr: this.expr(node(ctx, 'expression'), span),
      span,
    };
  }

  primaryKeyDef(ctx: Ctx, span: A.Span): A.PrimaryKeyDef {
    return {
      kind: 'PrimaryKeyDef',
      columns: this.v<A.Ident[]>(node(ctx, 'identList')) ?? [],
      notEnforced: tok(ctx, 'Enforced') !== undefined,
      span,
    };
  }

  columnDef(ctx: Ctx, span: A.Span): A.ColumnDef {
    const name = this.ident(node(ctx, 'name'), span);
    const computed = node(ctx, 'computed');
    if (computed || tok(ctx, 'As')) return { kind: 'ComputedColumn', name, expr: this.expr(computed, span), span };
    const type = this.v<A.TypeNode>(node(ctx, 'dataType')) ?? errorType(span);
    if (tok(ctx, 'Metadata')) {
      const key = tok(ctx, 'metadataKey');
      return {
        kind: 'MetadataColumn',
        name,
        type,
        from: key ? unquoteString(key.image) : null,
        fromSpan: key ? tokenSpan(key) : null,
        virtual: tok(ctx, 'Virtual') !== undefined,
        span,
      };
    }
    return {
      kind: 'PhysicalColumn',
      name,
      type,
      notNull: type.notNull,
      primaryKey: tok(ctx, 'Primary') !== undefined,
      span,
    };
  }

  optionList(ctx: Ctx): A.OptionPair[] {
    return nodes(ctx, 'optionPair').map((n) => this.visit(n) as A.OptionPair);
  }

  optionPair(ctx: Ctx, span: A.Span): A.OptionPair {
    const k = tok(ctx, 'key');
    const v = tok(ctx, 'value');
    return {
      kind: 'OptionPair',
      key: k ? unquoteString(k.image) : '',
      keySpan: tokenSpan(k),
      value: v ? unquoteString(v.image) : '',
      valueSpan: v ? tokenSpan(v) : span,
      span,
    };
  }

  insertStatement(ctx: Ctx, span: A.Span): A.InsertStatement {
    const cols = node(ctx, 'columns');
    return {
      kind: 'InsertStatement',
      target: this.ident(node(ctx, 'target'), span),
      columns: cols ? (this.visit(cols) as A.Ident[]) : null,
      query: this.queryOf(node(ctx, 'query'), span),
      emit: this.v<A.EmitClause>(node(ctx, 'emitClause')) ?? null,
      span,
    };
  }

  emitClause(ctx: Ctx, span: A.Span): A.EmitClause {
    return { kind: 'EmitClause', mode: (tok(ctx, 'mode')?.image.toUpperCase() ?? 'FINAL') as A.EmitMode, span };
  }

  // ---- types

  dataType(ctx: Ctx, span: A.Span): A.TypeNode {
    const nameNode = node(ctx, 'name');
    const word = (this.v<string>(nameNode) ?? '').toUpperCase();
    let name = TYPE_NAMES[word];
    if (!name) {
      this.problems.push({ message: `unknown type "${this.v<string>(nameNode) ?? ''}"`, span: nodeSpan(nameNode) });
      name = 'STRING';
    }
    const params = (ctx['param'] ?? []).filter(isToken).map((t) => Number(t.image));
    const args = nodes(ctx, 'typeArg').map((n) => this.visit(n) as { name: A.Ident | null; type: A.TypeNode });
    const local = tok(ctx, 'local');
    if (name === 'TIMESTAMP' && local && local.image.toUpperCase() === 'LOCAL') name = 'TIMESTAMP_LTZ';
    const notNull = tok(ctx, 'notNull') !== undefined;
    const base = { kind: 'Type' as const, name, params, notNull, span };
    if (name === 'ARRAY') return { ...base, element: args[0]?.type ?? errorType(span) };
    if (name === 'MAP')
      return { ...base, key: args[0]?.type ?? errorType(span), value: args[1]?.type ?? errorType(span) };
    if (name === 'ROW') {
      return {
        ...base,
        fields: args.map((a) => ({
          name: a.name ?? { kind: 'Ident', name: '?', quoted: false, span: a.type.span },
          type: a.type,
          span: a.type.span,
        })),
      };
    }
    return base;
  }

  typeArg(ctx: Ctx): { name: A.Ident | null; type: A.TypeNode } {
    const first = node(ctx, 'first');
    const second = node(ctx, 'second');
    if (second && first) {
      // `name TYPE`: the first "type" was a field name.
      const typeNameNode = first.children['name']?.[0] as CstNode | undefined;
      const idNode = typeNameNode?.children['identifier']?.[0] as CstNode | undefined;
      const name = idNode
        ? this.ident(idNode)
        : { kind: 'Ident' as const, name: 'ARRAY', quoted: false, span: nodeSpan(first) };
      return { name, type: this.visit(second) as A.TypeNode };
    }
    const type = first ? (this.visit(first) as A.TypeNode) : errorType(NO_SPAN);
    return { name: null, type };
  }

  // ---- queries

  private queryOf(n: CstNode | undefined, fallback: A.Span): A.Query {
    return (
      this.v<A.Query>(n) ?? {
        kind: 'Query',
        ctes: [],
        body: {
          kind: 'Select',
          distinct: false,
          items: [],
          from: null,
          where: null,
          groupBy: [],
          having: null,
          span: fallback,
        },
        orderBy: [],
        limit: null,
        span: fallback,
      }
    );
  }

  query(ctx: Ctx, span: A.Span): A.Query {
    return {
      kind: 'Query',
      ctes: nodes(ctx, 'cte').map((c) => this.visit(c) as A.Cte),
      body: this.v<A.QueryBody>(node(ctx, 'setExpr')) ?? this.queryOf(undefined, span).body,
      orderBy: nodes(ctx, 'orderItem').map((o) => this.visit(o) as A.OrderItem),
      limit: node(ctx, 'limit') ? this.expr(node(ctx, 'limit')) : null,
      span,
    };
  }

  cte(ctx: Ctx, span: A.Span): A.Cte {
    const aliases = node(ctx, 'aliases');
    return {
      kind: 'Cte',
      name: this.ident(node(ctx, 'name'), span),
      columnAliases: aliases ? (this.visit(aliases) as A.Ident[]) : null,
      query: this.queryOf(node(ctx, 'query'), span),
      span,
    };
  }

  setExpr(ctx: Ctx): A.QueryBody {
    const terms = nodes(ctx, 'terms').map((t) => this.visit(t) as A.QueryBody);
    const ops = (ctx['ops'] ?? []).filter(isToken);
    const quants = (ctx['quantifiers'] ?? []).filter(isToken);
    let body = terms[0]!;
    for (let i = 0; i < ops.length && i + 1 < terms.length; i++) {
      const right = terms[i + 1]!;
      // Each op's optional ALL/DISTINCT directly follows it.
      const q = quants.find(
        (t) => t.startOffset > ops[i]!.startOffset && (i + 1 >= ops.length || t.startOffset < ops[i + 1]!.startOffset),
      );
      body = {
        kind: 'SetOperation',
        op: ops[i]!.image.toUpperCase() as A.SetOperation['op'],
        all: q?.image.toUpperCase() === 'ALL',
        left: body,
        right,
        span: cover(body.span, right.span),
      };
    }
    return body;
  }

  setTerm(ctx: Ctx, span: A.Span): A.QueryBody {
    const sel = node(ctx, 'select');
    if (sel) return this.visit(sel) as A.Select;
    return this.queryOf(node(ctx, 'query'), span);
  }

  select(ctx: Ctx, span: A.Span): A.Select {
    return {
      kind: 'Select',
      distinct: tok(ctx, 'Distinct') !== undefined,
      items: nodes(ctx, 'selectItem').map((i) => this.visit(i) as A.SelectItem),
      from: this.v<A.FromItem>(node(ctx, 'fromClause')) ?? null,
      where: node(ctx, 'where') ? this.expr(node(ctx, 'where')) : null,
      groupBy: nodes(ctx, 'groupBy').map((g) => this.expr(g)),
      having: node(ctx, 'having') ? this.expr(node(ctx, 'having')) : null,
      span,
    };
  }

  selectItem(ctx: Ctx, span: A.Span): A.SelectItem {
    if (tok(ctx, 'Star')) {
      const q = node(ctx, 'qualifier');
      return { kind: 'SelectStar', qualifier: q ? this.ident(q) : null, span };
    }
    return {
      kind: 'SelectExpr',
      expr: this.expr(node(ctx, 'expression'), span),
      alias: this.v<A.Ident>(node(ctx, 'alias')) ?? null,
      span,
    };
  }

  alias(ctx: Ctx): A.Ident {
    return this.ident(node(ctx, 'identifier'));
  }

  orderItem(ctx: Ctx, span: A.Span): A.OrderItem {
    const nulls = tok(ctx, 'First') ? 'FIRST' : tok(ctx, 'Last') ? 'LAST' : null;
    return {
      kind: 'OrderItem',
      expr: this.expr(node(ctx, 'expression'), span),
      descending: tok(ctx, 'Desc') !== undefined,
      nulls,
      span,
    };
  }

  fromClause(ctx: Ctx): A.FromItem | undefined {
    const items = nodes(ctx, 'joinedTable')
      .map((n) => this.visit(n) as A.FromItem | undefined)
      .filter((x): x is A.FromItem => !!x);
    if (items.length === 0) return undefined;
    return items.reduce((left, right) => ({
      kind: 'Join',
      joinType: 'CROSS',
      left,
      right,
      on: null,
      span: cover(left.span, right.span),
    }));
  }

  joinedTable(ctx: Ctx): A.FromItem | undefined {
    let left = this.v<A.FromItem>(node(ctx, 'tablePrimary'));
    if (!left) return undefined;
    for (const j of nodes(ctx, 'joinClause')) {
      const jc = j.children as Ctx;
      const right = this.v<A.FromItem>(node(jc, 'tablePrimary'));
      if (!right) continue;
      const typeTok = tok(jc, 'type');
      const joinType = (typeTok?.image.toUpperCase() ?? 'INNER') as A.JoinType;
      const on = node(jc, 'on');
      left = {
        kind: 'Join',
        joinType,
        left,
        right,
        on: on ? this.expr(on) : null,
        span: cover(left.span, nodeSpan(j)),
      };
    }
    return left;
  }

  joinClause(): undefined {
    return undefined; // handled in joinedTable
  }

  tablePrimary(ctx: Ctx): A.FromItem | undefined {
    return this.v(
      node(ctx, 'windowTvf') ??
        node(ctx, 'unnest') ??
        node(ctx, 'derivedTable') ??
        node(ctx, 'nested') ??
        node(ctx, 'tableRef'),
    );
  }

  tableRef(ctx: Ctx, span: A.Span): A.TableRef {
    const st = node(ctx, 'systemTime');
    return {
      kind: 'TableRef',
      name: this.ident(node(ctx, 'name'), span),
      systemTime: st ? this.expr(st) : null,
      alias: this.v<A.Ident>(node(ctx, 'alias')) ?? null,
      span,
    };
  }

  derivedTable(ctx: Ctx, span: A.Span): A.DerivedTable {
    const aliases = node(ctx, 'aliases');
    return {
      kind: 'DerivedTable',
      query: this.queryOf(node(ctx, 'query'), span),
      alias: this.v<A.Ident>(node(ctx, 'alias')) ?? null,
      columnAliases: aliases ? (this.visit(aliases) as A.Ident[]) : null,
      span,
    };
  }

  windowTvf(ctx: Ctx, span: A.Span): A.WindowTvf | undefined {
    const fnIdent = this.ident(node(ctx, 'fn'), span);
    const fn = fnIdent.name.toUpperCase();
    if (fn !== 'TUMBLE' && fn !== 'HOP' && fn !== 'CUMULATE' && fn !== 'SESSION') {
      this.problems.push({
        message: `unknown window function "${fnIdent.name}": expected TUMBLE, HOP, CUMULATE or SESSION`,
        span: fnIdent.span,
      });
      return undefined;
    }
    const sourceQuery = node(ctx, 'sourceQuery');
    const sourceIdent = node(ctx, 'source');
    const source: A.TableRef | A.DerivedTable = sourceQuery
      ? {
          kind: 'DerivedTable',
          query: this.queryOf(sourceQuery, span),
          alias: null,
          columnAliases: null,
          span: nodeSpan(sourceQuery),
        }
      : {
          kind: 'TableRef',
          name: this.ident(sourceIdent, span),
          systemTime: null,
          alias: null,
          span: nodeSpan(sourceIdent),
        };
    const args = nodes(ctx, 'args').map((a) => this.expr(a));
    // DESCRIPTOR(col) is the first argument after the table.
    let descriptor: A.Ident = { kind: 'Ident', name: '?', quoted: false, span };
    const rest: A.Expr[] = [];
    for (const a of args) {
      if (a.kind === 'FunctionCall' && a.name.name.toUpperCase() === 'DESCRIPTOR' && descriptor.name === '?') {
        const col = a.args[0];
        if (col && col.kind === 'ColumnRef' && col.parts.length === 1) descriptor = col.parts[0]!;
        else
          this.problems.push({
            message: 'DESCRIPTOR expects one column name, e.g. DESCRIPTOR(order_time)',
            span: a.span,
          });
      } else rest.push(a);
    }
    if (descriptor.name === '?')
      this.problems.push({ message: `${fn} expects DESCRIPTOR(time_column) after the table`, span });
    return {
      kind: 'WindowTvf',
      fn,
      source,
      partitionBy: nodes(ctx, 'partitionBy').map((p) => this.ident(p)),
      descriptor,
      args: rest,
      alias: this.v<A.Ident>(node(ctx, 'alias')) ?? null,
      span,
    };
  }

  unnest(ctx: Ctx, span: A.Span): A.Unnest {
    const cols = node(ctx, 'columns');
    return {
      kind: 'Unnest',
      expr: this.expr(node(ctx, 'expression'), span),
      withOrdinality: tok(ctx, 'Ordinality') !== undefined,
      alias: this.v<A.Ident>(node(ctx, 'alias')) ?? null,
      columns: cols ? (this.visit(cols) as A.Ident[]) : [],
      span,
    };
  }

  identList(ctx: Ctx): A.Ident[] {
    return nodes(ctx, 'identifier').map((n) => this.ident(n));
  }

  // ---- expressions

  private chain(ctx: Ctx, map: (op: string) => A.BinaryOp): A.Expr {
    const operands = nodes(ctx, 'operands');
    const ops = (ctx['ops'] ?? []).filter(isToken);
    let left = this.expr(operands[0]);
    for (let i = 0; i < ops.length; i++) {
      const right = this.expr(operands[i + 1], tokenSpan(ops[i]));
      left = {
        kind: 'BinaryExpr',
        op: map(ops[i]!.image),
        left,
        right,
        opSpan: tokenSpan(ops[i]),
        span: cover(left.span, right.span),
      };
    }
    return left;
  }

  expression(ctx: Ctx): A.Expr {
    return this.chain(ctx, () => 'OR');
  }

  andExpr(ctx: Ctx): A.Expr {
    return this.chain(ctx, () => 'AND');
  }

  notExpr(ctx: Ctx, span: A.Span): A.Expr {
    const inner = node(ctx, 'notExpr');
    if (tok(ctx, 'Not')) return { kind: 'UnaryExpr', op: 'NOT', operand: this.expr(inner, span), span };
    return this.expr(node(ctx, 'predicate'), span);
  }

  predicate(ctx: Ctx, span: A.Span): A.Expr {
    const left = this.expr(node(ctx, 'left'), span);
    const comp = tok(ctx, 'compOp');
    if (comp) {
      const right = this.expr(node(ctx, 'right'), tokenSpan(comp));
      const op = (comp.image === '!=' ? '<>' : comp.image) as A.BinaryOp;
      return { kind: 'BinaryExpr', op, left, right, opSpan: tokenSpan(comp), span };
    }
    if (tok(ctx, 'Is')) {
      const what = tok(ctx, 'isWhat')?.image.toUpperCase() ?? 'NULL';
      const negated = tok(ctx, 'isNot') !== undefined;
      if (what === 'NULL') return { kind: 'IsNullExpr', expr: left, negated, span };
      if (what === 'DISTINCT') {
        const right = this.expr(node(ctx, 'right'), span);
        // a IS DISTINCT FROM b ≡ NOT (a IS NOT DISTINCT FROM b); represented as a call.
        return {
          kind: 'FunctionCall',
          name: { kind: 'Ident', name: negated ? 'IS_NOT_DISTINCT_FROM' : 'IS_DISTINCT_FROM', quoted: false, span },
          args: [left, right],
          distinct: false,
          star: false,
          filter: null,
          parens: true,
          span,
        };
      }
      return {
        kind: 'IsBooleanExpr',
        expr: left,
        value: what === 'TRUE' ? true : what === 'FALSE' ? false : 'UNKNOWN',
        negated,
        span,
      };
    }
    const negated = tok(ctx, 'negated') !== undefined;
    if (tok(ctx, 'Between')) {
      return {
        kind: 'BetweenExpr',
        expr: left,
        low: this.expr(node(ctx, 'low'), span),
        high: this.expr(node(ctx, 'high'), span),
        negated,
        symmetric: tok(ctx, 'Symmetric') !== undefined,
        span,
      };
    }
    if (tok(ctx, 'In'))
      return { kind: 'InListExpr', expr: left, list: nodes(ctx, 'list').map((n) => this.expr(n)), negated, span };
    if (tok(ctx, 'Like')) {
      const esc = node(ctx, 'escape');
      return {
        kind: 'LikeExpr',
        expr: left,
        pattern: this.expr(node(ctx, 'pattern'), span),
        escape: esc ? this.expr(esc) : null,
        negated,
        span,
      };
    }
    return left;
  }

  concat(ctx: Ctx): A.Expr {
    return this.chain(ctx, () => '||');
  }

  additive(ctx: Ctx): A.Expr {
    return this.chain(ctx, (op) => op as A.BinaryOp);
  }

  multiplicative(ctx: Ctx): A.Expr {
    return this.chain(ctx, (op) => op as A.BinaryOp);
  }

  unary(ctx: Ctx, span: A.Span): A.Expr {
    const sign = tok(ctx, 'sign');
    if (!sign) return this.expr(node(ctx, 'postfix'), span);
    const operand = this.expr(node(ctx, 'unary'), span);
    // Fold `-5` into a literal so `INTERVAL`-free constants stay literals.
    if (sign.image === '-' && operand.kind === 'NumberLiteral') return { ...operand, text: `-${operand.text}`, span };
    if (sign.image === '+') return operand;
    return { kind: 'UnaryExpr', op: '-', operand, span };
  }

  postfix(ctx: Ctx, span: A.Span): A.Expr {
    let base = this.expr(node(ctx, 'primary'), span);
    const suffixes = (ctx['suffix'] ?? []).filter(isToken);
    const indexes = nodes(ctx, 'index');
    const fields = nodes(ctx, 'field');
    let ii = 0;
    let fi = 0;
    for (const s of suffixes) {
      if (s.image === '[') {
        const index = this.expr(indexes[ii++], tokenSpan(s));
        base = { kind: 'SubscriptExpr', base, index, span: cover(base.span, index.span) };
      } else {
        const field = this.ident(fields[fi++], tokenSpan(s));
        base =
          base.kind === 'ColumnRef'
            ? { kind: 'ColumnRef', parts: [...base.parts, field], span: cover(base.span, field.span) }
            : { kind: 'FieldAccessExpr', base, field, span: cover(base.span, field.span) };
      }
    }
    return base;
  }

  primary(ctx: Ctx, span: A.Span): A.Expr {
    const num = tok(ctx, 'NumberLiteral');
    if (num) return { kind: 'NumberLiteral', text: num.image, integer: /^\d+$/.test(num.image), span };
    const str = tok(ctx, 'StringLiteral');
    if (str) return { kind: 'StringLiteral', value: unquoteString(str.image), span };
    if (tok(ctx, 'True')) return { kind: 'BooleanLiteral', value: true, span };
    if (tok(ctx, 'False')) return { kind: 'BooleanLiteral', value: false, span };
    if (tok(ctx, 'Null')) return { kind: 'NullLiteral', span };
    const inner = node(ctx, 'inner');
    if (inner) return this.expr(inner, span);
    const name = node(ctx, 'name');
    if (name) {
      const id = this.ident(name, span);
      if (!id.quoted && NILADIC.has(id.name.toUpperCase())) {
        return {
          kind: 'FunctionCall',
          name: id,
          args: [],
          distinct: false,
          star: false,
          filter: null,
          parens: false,
          span,
        };
      }
      return { kind: 'ColumnRef', parts: [id], span };
    }
    for (const key of [
      'intervalLiteral',
      'typedLiteral',
      'caseExpr',
      'castExpr',
      'extractExpr',
      'trimExpr',
      'substringExpr',
      'positionExpr',
      'arrayCtor',
      'functionCall',
    ]) {
      const n = node(ctx, key);
      if (n) return this.expr(n, span);
    }
    return { kind: 'ErrorExpr', span };
  }

  intervalLiteral(ctx: Ctx, span: A.Span): A.IntervalLiteral {
    const v = tok(ctx, 'value');
    const value = v ? (v.tokenType.name === 'StringLiteral' ? unquoteString(v.image) : v.image) : '0';
    const u = tok(ctx, 'unit');
    const tu = tok(ctx, 'toUnit');
    return {
      kind: 'IntervalLiteral',
      value: tok(ctx, 'negative') ? `-${value}` : value,
      unit: u ? timeUnit(u.image) : null,
      toUnit: tu ? timeUnit(tu.image) : null,
      span,
    };
  }

  typedLiteral(ctx: Ctx, span: A.Span): A.TypedLiteral {
    const s = tok(ctx, 'StringLiteral');
    return {
      kind: 'TypedLiteral',
      type: (tok(ctx, 'type')?.image.toUpperCase() ?? 'TIMESTAMP') as A.TypedLiteral['type'],
      value: s ? unquoteString(s.image) : '',
      span,
    };
  }

  caseExpr(ctx: Ctx, span: A.Span): A.CaseExpr {
    const whens = nodes(ctx, 'when');
    const thens = nodes(ctx, 'then');
    const op = node(ctx, 'operand');
    const el = node(ctx, 'else');
    return {
      kind: 'CaseExpr',
      operand: op ? this.expr(op) : null,
      whens: whens.map((w, i) => ({ when: this.expr(w), then: this.expr(thens[i], span) })),
      else: el ? this.expr(el) : null,
      span,
    };
  }

  castExpr(ctx: Ctx, span: A.Span): A.CastExpr {
    return {
      kind: 'CastExpr',
      expr: this.expr(node(ctx, 'expression'), span),
      type: this.v<A.TypeNode>(node(ctx, 'dataType')) ?? errorType(span),
      try: tok(ctx, 'fn')?.image.toUpperCase() === 'TRY_CAST',
      span,
    };
  }

  extractExpr(ctx: Ctx, span: A.Span): A.Expr {
    const unitNode = node(ctx, 'unit');
    const word = this.v<string>(unitNode) ?? '';
    const unit = timeUnit(word);
    if (!unit) {
      this.problems.push({
        message: `unknown time unit "${word}" in EXTRACT: expected YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, ...`,
        span: nodeSpan(unitNode),
      });
    }
    return {
      kind: 'ExtractExpr',
      unit: unit ?? 'SECOND',
      unitSpan: nodeSpan(unitNode),
      expr: this.expr(node(ctx, 'expression'), span),
      span,
    };
  }

  trimExpr(ctx: Ctx, span: A.Span): A.TrimExpr {
    const first = node(ctx, 'first');
    const second = node(ctx, 'second');
    const mode = (tok(ctx, 'mode')?.image.toUpperCase() ?? 'BOTH') as A.TrimExpr['mode'];
    if (second)
      return { kind: 'TrimExpr', mode, chars: first ? this.expr(first) : null, expr: this.expr(second), span };
    return { kind: 'TrimExpr', mode, chars: null, expr: this.expr(first, span), span };
  }

  substringExpr(ctx: Ctx, span: A.Span): A.FunctionCall {
    const name = tok(ctx, 'Substring');
    return {
      kind: 'FunctionCall',
      name: { kind: 'Ident', name: 'SUBSTRING', quoted: false, span: tokenSpan(name) },
      args: nodes(ctx, 'args').map((a) => this.expr(a)),
      distinct: false,
      star: false,
      filter: null,
      parens: true,
      span,
    };
  }

  positionExpr(ctx: Ctx, span: A.Span): A.FunctionCall {
    const name = tok(ctx, 'name');
    return {
      kind: 'FunctionCall',
      name: { kind: 'Ident', name: name?.image ?? 'POSITION', quoted: false, span: tokenSpan(name) },
      args: [this.expr(node(ctx, 'needle'), span), this.expr(node(ctx, 'haystack'), span)],
      distinct: false,
      star: false,
      filter: null,
      parens: true,
      span,
    };
  }

  arrayCtor(ctx: Ctx, span: A.Span): A.ArrayConstructor {
    return { kind: 'ArrayConstructor', elements: nodes(ctx, 'elements').map((e) => this.expr(e)), span };
  }

  functionCall(ctx: Ctx, span: A.Span): A.FunctionCall {
    const kw = tok(ctx, 'keywordName');
    const name = kw
      ? { kind: 'Ident' as const, name: kw.image, quoted: false, span: tokenSpan(kw) }
      : this.ident(node(ctx, 'name'), span);
    let args = nodes(ctx, 'args').map((a) => this.expr(a));
    if (UNIT_FIRST.has(name.name.toUpperCase()) && args[0]?.kind === 'ColumnRef' && args[0].parts.length === 1) {
      const unit = timeUnit(args[0].parts[0]!.name);
      if (unit) args = [{ kind: 'TimeUnitExpr', unit, span: args[0].span }, ...args.slice(1)];
    }
    const filter = node(ctx, 'filter');
    const over = node(ctx, 'overClause');
    return {
      kind: 'FunctionCall',
      name,
      args,
      distinct: tok(ctx, 'Distinct') !== undefined,
      star: tok(ctx, 'Star') !== undefined,
      filter: filter ? this.expr(filter) : null,
      parens: true,
      ...(over ? { over: this.visit(over) as A.OverClause } : {}),
      span,
    };
  }

  overClause(ctx: Ctx, span: A.Span): A.OverClause {
    const frame = node(ctx, 'windowFrame');
    return {
      kind: 'OverClause',
      partitionBy: nodes(ctx, 'partitionBy').map((e) => this.expr(e)),
      orderBy: nodes(ctx, 'orderItem').map((o) => this.visit(o) as A.OrderItem),
      frame: frame ? (this.visit(frame) as A.WindowFrame) : null,
      span,
    };
  }

  windowFrame(ctx: Ctx, span: A.Span): A.WindowFrame {
    const lower = this.visit(node(ctx, 'lower')!) as A.FrameBound;
    const upperNode = node(ctx, 'upper');
    const upper: A.FrameBound = upperNode
      ? (this.visit(upperNode) as A.FrameBound)
      : { kind: 'FrameBound', bound: 'current', offset: null, direction: null, span: lower.span };
    return {
      kind: 'WindowFrame',
      unit: tok(ctx, 'unit')?.image.toUpperCase() === 'RANGE' ? 'RANGE' : 'ROWS',
      lower,
      upper,
      span,
    };
  }

  frameBound(ctx: Ctx, span: A.Span): A.FrameBound {
    const dir = tok(ctx, 'direction')?.image.toUpperCase();
    const direction = dir === 'PRECEDING' || dir === 'FOLLOWING' ? dir : null;
    if (tok(ctx, 'current')) return { kind: 'FrameBound', bound: 'current', offset: null, direction: null, span };
    if (tok(ctx, 'unbounded')) return { kind: 'FrameBound', bound: 'unbounded', offset: null, direction, span };
    const off = node(ctx, 'offset');
    return { kind: 'FrameBound', bound: 'offset', offset: off ? this.expr(off) : null, direction, span };
  }

  // ---- words

  identifier(ctx: Ctx, span: A.Span): A.Ident {
    const q = tok(ctx, 'QuotedIdentifier');
    if (q) return { kind: 'Ident', name: q.image.slice(1, -1).replace(/""/g, '"'), quoted: true, span };
    const b = tok(ctx, 'BacktickIdentifier');
    if (b) return { kind: 'Ident', name: b.image.slice(1, -1).replace(/``/g, '`'), quoted: true, span };
    const t = tok(ctx, 'Identifier') ?? tok(ctx, 'NonReserved');
    return { kind: 'Ident', name: t?.image ?? '?', quoted: false, span };
  }

  fieldName(ctx: Ctx, span: A.Span): A.Ident {
    const id = node(ctx, 'identifier');
    if (id) return this.ident(id, span);
    return { kind: 'Ident', name: tok(ctx, 'Keyword')?.image ?? '?', quoted: false, span };
  }

  typeName(ctx: Ctx): string {
    const id = node(ctx, 'identifier');
    return id ? this.ident(id).name : 'ARRAY';
  }

  anyWord(ctx: Ctx): string {
    const q = tok(ctx, 'QuotedIdentifier') ?? tok(ctx, 'BacktickIdentifier');
    if (q) return q.image.slice(1, -1);
    return (tok(ctx, 'Identifier') ?? tok(ctx, 'Keyword'))?.image ?? '';
  }
}

function errorType(span: A.Span): A.TypeNode {
  return { kind: 'Type', name: 'STRING', params: [], notNull: false, span };
}

/**
 * The visitor passes each rule's node span as the second argument, so every method can stamp
 * its AST node with the exact source range.
 */
const builder = new AstBuilder();
const originalVisit = builder.visit.bind(builder);
builder.visit = ((cst: CstNode | CstNode[]) => {
  const n = Array.isArray(cst) ? cst[0] : cst;
  if (!n) return undefined;
  const method = (builder as unknown as Record<string, (ctx: Ctx, span: A.Span) => unknown>)[n.name];
  return method ? method.call(builder, n.children as Ctx, nodeSpan(n)) : originalVisit(n);
}) as typeof builder.visit;

/** Builds the AST of one statement's CST; returns the statement and AST-level problems. */
export function toAst(cst: CstNode): {
  statement: A.Statement | undefined;
  problems: { message: string; span: A.Span }[];
} {
  builder.problems.length = 0;
  const statement = builder.visit(cst) as A.Statement | undefined;
  return { statement, problems: [...builder.problems] };
}
