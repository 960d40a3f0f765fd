import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as A from './ast.ts';
import { parse } from './index.ts';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');

function ok(source: string): A.Statement[] {
  const r = parse(source);
  expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`)).toEqual([]);
  return [...r.script.statements];
}

/** The expression of `INSERT INTO o SELECT <expr> FROM t`. */
function expr(text: string): A.Expr {
  const [stmt] = ok(`INSERT INTO o SELECT ${text} FROM t`);
  const body = (stmt as A.InsertStatement).query.body as A.Select;
  return (body.items[0] as A.SelectExpr).expr;
}

function from(text: string): A.FromItem {
  const [stmt] = ok(`INSERT INTO o SELECT * FROM ${text}`);
  return ((stmt as A.InsertStatement).query.body as A.Select).from!;
}

/** The .sq files under `dir` (the repository's examples and test cases). */
function collectSq(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.sq') && !e.parentPath.includes('node_modules'))
    .map((e) => join(e.parentPath, e.name));
}

describe('examples', () => {
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.sq'))) {
    it(`parses ${file}`, () => {
      const statements = ok(readFileSync(join(EXAMPLES, file), 'utf8'));
      expect(statements.length).toBeGreaterThan(1);
    });
  }
});

describe('statements', () => {
  it('SET with quoted, bare and numeric keys and values', () => {
    const s = ok(`SET 'checkpoint.dir' = './chk'; SET pipeline.name = myjob; SET 'x' = 10`) as A.SetStatement[];
    expect(s.map((x) => [x.key, x.value])).toEqual([
      ['checkpoint.dir', './chk'],
      ['pipeline.name', 'myjob'],
      ['x', '10'],
    ]);
  });

  it('CREATE STREAM with every column kind, watermark, primary key and options', () => {
    const [s] = ok(`CREATE TEMPORARY TABLE IF NOT EXISTS t (
      id STRING NOT NULL PRIMARY KEY NOT ENFORCED,
      ts TIMESTAMP(3) WITH LOCAL TIME ZONE,
      d DOUBLE PRECISION, dec DECIMAL(10, 2), v VARCHAR(20),
      m MAP<STRING, INT>, a ARRAY<ROW<x INT, y STRING NOT NULL>>, r ROW(p INT),
      k TIMESTAMP(3) METADATA FROM 'timestamp' VIRTUAL, off BIGINT METADATA,
      p AS PROCTIME(),
      WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
    ) WITH ('connector' = 'file', 'path' = 'a.csv')`) as A.CreateRelation[];
    expect(s!.relation).toBe('TABLE');
    expect(s!.ifNotExists).toBe(true);
    expect(s!.columns!.map((c) => c.kind)).toEqual([
      'PhysicalColumn',
      'PhysicalColumn',
      'PhysicalColumn',
      'PhysicalColumn',
      'PhysicalColumn',
      'PhysicalColumn',
      'PhysicalColumn',
      'PhysicalColumn',
      'MetadataColumn',
      'MetadataColumn',
      'ComputedColumn',
    ]);
    const types = s!.columns!.filter((c): c is A.PhysicalColumn => c.kind === 'PhysicalColumn').map((c) => c.type);
    expect(types.map((t) => t.name)).toEqual([
      'STRING',
      'TIMESTAMP_LTZ',
      'DOUBLE',
      'DECIMAL',
      'VARCHAR',
      'MAP',
      'ARRAY',
      'ROW',
    ]);
    expect(types[3]!.params).toEqual([10, 2]);
    expect(types[6]!.element!.fields!.map((f) => [f.name.name, f.type.name, f.type.notNull])).toEqual([
      ['x', 'INT', false],
      ['y', 'STRING', true],
    ]);
    expect(s!.primaryKey!.columns.map((c) => c.name)).toEqual(['id']);
    expect(s!.watermark!.column.name).toBe('ts');
    expect(s!.options.map((o) => [o.key, o.value])).toEqual([
      ['connector', 'file'],
      ['path', 'a.csv'],
    ]);
    const meta = s!.columns![8] as A.MetadataColumn;
    expect([meta.from, meta.virtual]).toEqual(['timestamp', true]);
  });

  it('CREATE SINK without columns, CREATE ... AS SELECT with EMIT, CREATE VIEW with aliases', () => {
    const [sink, ctas, view] = ok(`
      CREATE SINK s WITH ('connector' = 'print');
      CREATE STREAM big WITH ('connector' = 'print') AS SELECT a FROM t EMIT CHANGES;
      CREATE VIEW v (x) AS SELECT a FROM t`) as [A.CreateRelation, A.CreateRelation, A.CreateView];
    expect(sink.columns).toBeNull();
    expect(ctas.asQuery).not.toBeNull();
    expect(ctas.emit!.mode).toBe('CHANGES');
    expect(view.columnAliases!.map((a) => a.name)).toEqual(['x']);
  });

  it('INSERT with a column list, and with a parenthesised query', () => {
    const [a, b] = ok(
      `INSERT INTO o (x, y) SELECT a, b FROM t EMIT FINAL; INSERT INTO o (SELECT a FROM t)`,
    ) as A.InsertStatement[];
    expect(a!.columns!.map((c) => c.name)).toEqual(['x', 'y']);
    expect(a!.emit!.mode).toBe('FINAL');
    expect(b!.columns).toBeNull();
    expect(b!.query.body.kind).toBe('Query');
  });
});

describe('queries', () => {
  it('CTEs, UNION ALL, derived tables, ORDER BY and LIMIT', () => {
    const [s] = ok(
      `INSERT INTO o WITH a AS (SELECT 1 AS x), b (y) AS (SELECT 2) SELECT * FROM a UNION ALL SELECT y FROM (SELECT y FROM b) bb (z) ORDER BY x DESC NULLS LAST LIMIT 10`,
    ) as A.InsertStatement[];
    const q = s!.query;
    expect(q.ctes.map((c) => c.name.name)).toEqual(['a', 'b']);
    expect(q.body.kind).toBe('SetOperation');
    expect((q.body as A.SetOperation).all).toBe(true);
    expect(q.orderBy[0]!.descending).toBe(true);
    expect(q.orderBy[0]!.nulls).toBe('LAST');
    expect(q.limit).toMatchObject({ kind: 'NumberLiteral', text: '10' });
  });

  it('SELECT DISTINCT, t.*, aliases with and without AS, GROUP BY, HAVING', () => {
    const [s] = ok(
      `INSERT INTO o SELECT DISTINCT t.*, a AS x, b y FROM t WHERE a > 1 GROUP BY a, b HAVING COUNT(*) > 2`,
    ) as A.InsertStatement[];
    const sel = s!.query.body as A.Select;
    expect(sel.distinct).toBe(true);
    expect(sel.items.map((i) => (i.kind === 'SelectStar' ? `${i.qualifier?.name}.*` : i.alias?.name))).toEqual([
      't.*',
      'x',
      'y',
    ]);
    expect(sel.groupBy).toHaveLength(2);
    expect(sel.having).not.toBeNull();
  });

  it('joins of every kind, FOR SYSTEM_TIME AS OF, CROSS JOIN UNNEST WITH ORDINALITY, comma joins', () => {
    const f = from(`a LEFT OUTER JOIN b ON a.id = b.id RIGHT JOIN c ON c.id = a.id FULL JOIN d ON d.id = a.id
      JOIN users FOR SYSTEM_TIME AS OF a.pt AS u ON u.id = a.id CROSS JOIN UNNEST(a.arr) WITH ORDINALITY AS t(e, i), z`);
    const kinds: string[] = [];
    let node: A.FromItem = f;
    while (node.kind === 'Join') {
      kinds.push(node.joinType);
      node = node.left;
    }
    expect(kinds).toEqual(['CROSS', 'CROSS', 'INNER', 'FULL', 'RIGHT', 'LEFT']);
    const unnest = ((f as A.Join).left as A.Join).right as A.Unnest;
    expect([unnest.kind, unnest.withOrdinality, unnest.alias!.name, unnest.columns.map((c) => c.name)]).toEqual([
      'Unnest',
      true,
      't',
      ['e', 'i'],
    ]);
    const lookup = (((f as A.Join).left as A.Join).left as A.Join).right as A.TableRef;
    expect(lookup.systemTime).not.toBeNull();
    expect(lookup.alias!.name).toBe('u');
  });

  it('window TVFs: TUMBLE, HOP, CUMULATE, SESSION with PARTITION BY', () => {
    const tumble = from(`TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '5' MINUTE)) w`) as A.WindowTvf;
    expect([tumble.fn, tumble.descriptor.name, tumble.args.length, tumble.alias?.name]).toEqual([
      'TUMBLE',
      'ts',
      1,
      'w',
    ]);
    const hop = from(`TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))`) as A.WindowTvf;
    expect([hop.fn, hop.args.length]).toEqual(['HOP', 2]);
    const cum = from(`TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '1' HOUR))`) as A.WindowTvf;
    expect(cum.fn).toBe('CUMULATE');
    const session = from(
      `TABLE(SESSION(TABLE t PARTITION BY a, b, DESCRIPTOR(ts), INTERVAL '10' MINUTE))`,
    ) as A.WindowTvf;
    expect([session.partitionBy.map((p) => p.name), session.descriptor.name]).toEqual([['a', 'b'], 'ts']);
  });
});

describe('expressions', () => {
  it('precedence: OR < AND < NOT < comparison < || < + < * < unary', () => {
    const e = expr(`a OR b AND NOT c = d || e + f * -g`) as A.BinaryExpr;
    expect(e.op).toBe('OR');
    const and = e.right as A.BinaryExpr;
    expect(and.op).toBe('AND');
    const not = and.right as A.UnaryExpr;
    expect(not.op).toBe('NOT');
    const eq = not.operand as A.BinaryExpr;
    expect(eq.op).toBe('=');
    const cat = eq.right as A.BinaryExpr;
    expect(cat.op).toBe('||');
    expect((cat.right as A.BinaryExpr).op).toBe('+');
  });

  it('BETWEEN keeps its AND; IN, LIKE ESCAPE, IS [NOT] NULL/TRUE/DISTINCT FROM, != as <>', () => {
    const e = expr(
      `x NOT BETWEEN 1 AND 2 AND y IN (1, 2) AND z NOT LIKE 'a%' ESCAPE '!' AND w IS NOT NULL AND v IS TRUE AND u != 1 AND q IS DISTINCT FROM r`,
    );
    const parts: A.Expr[] = [];
    const walk = (n: A.Expr): void => {
      if (n.kind === 'BinaryExpr' && n.op === 'AND') {
        walk(n.left);
        walk(n.right);
      } else parts.push(n);
    };
    walk(e);
    expect(parts.map((p) => p.kind)).toEqual([
      'BetweenExpr',
      'InListExpr',
      'LikeExpr',
      'IsNullExpr',
      'IsBooleanExpr',
      'BinaryExpr',
      'FunctionCall',
    ]);
    expect((parts[0] as A.BetweenExpr).negated).toBe(true);
    expect((parts[2] as A.LikeExpr).escape).not.toBeNull();
    expect((parts[5] as A.BinaryExpr).op).toBe('<>');
  });

  it('literals: numbers, strings with quotes, booleans, NULL, intervals, typed literals, arrays', () => {
    expect(expr(`3.5e2`)).toMatchObject({ kind: 'NumberLiteral', text: '3.5e2', integer: false });
    expect(expr(`-42`)).toMatchObject({ kind: 'NumberLiteral', text: '-42', integer: true });
    expect(expr(`'it''s'`)).toMatchObject({ kind: 'StringLiteral', value: "it's" });
    expect(expr(`INTERVAL '5' MINUTES`)).toMatchObject({ kind: 'IntervalLiteral', value: '5', unit: 'MINUTE' });
    expect(expr(`INTERVAL '10 minutes'`)).toMatchObject({ kind: 'IntervalLiteral', value: '10 minutes', unit: null });
    expect(expr(`INTERVAL '1:30' HOUR TO MINUTE`)).toMatchObject({ unit: 'HOUR', toUnit: 'MINUTE' });
    expect(expr(`TIMESTAMP '2025-01-01 00:00:00'`)).toMatchObject({ kind: 'TypedLiteral', type: 'TIMESTAMP' });
    expect(expr(`DATE '2025-01-01'`)).toMatchObject({ kind: 'TypedLiteral', type: 'DATE' });
    expect(expr(`ARRAY[1, 2]`)).toMatchObject({ kind: 'ArrayConstructor' });
    expect(expr(`NULL`)).toMatchObject({ kind: 'NullLiteral' });
  });

  it('function calls: COUNT(*), DISTINCT, FILTER, niladic, keyword-named, group windows, Spark windows', () => {
    expect(expr(`COUNT(*)`)).toMatchObject({ kind: 'FunctionCall', star: true });
    expect(expr(`COUNT(DISTINCT u) FILTER (WHERE a > 1)`)).toMatchObject({
      distinct: true,
      filter: { kind: 'BinaryExpr' },
    });
    expect(expr(`CURRENT_TIMESTAMP`)).toMatchObject({ kind: 'FunctionCall', parens: false });
    expect(expr(`LEFT('abc', 2)`)).toMatchObject({ kind: 'FunctionCall', name: { name: 'LEFT' } });
    expect(expr(`TUMBLE_START(ts, INTERVAL '5' SECOND)`)).toMatchObject({
      kind: 'FunctionCall',
      name: { name: 'TUMBLE_START' },
    });
    expect(expr(`window(ts, '10 minutes', '5 minutes')`)).toMatchObject({
      kind: 'FunctionCall',
      name: { name: 'window' },
    });
    expect(expr(`TIMESTAMPDIFF(SECOND, a, b)`)).toMatchObject({
      args: [{ kind: 'TimeUnitExpr', unit: 'SECOND' }, {}, {}],
    });
  });

  it('special forms: CASE, CAST/TRY_CAST, EXTRACT, TRIM, SUBSTRING FROM/FOR', () => {
    expect(expr(`CASE a WHEN 1 THEN 'x' ELSE 'y' END`)).toMatchObject({
      kind: 'CaseExpr',
      operand: { kind: 'ColumnRef' },
    });
    expect(expr(`TRY_CAST(x AS DECIMAL(10, 2))`)).toMatchObject({
      kind: 'CastExpr',
      try: true,
      type: { name: 'DECIMAL', params: [10, 2] },
    });
    expect(expr(`EXTRACT(YEAR FROM ts)`)).toMatchObject({ kind: 'ExtractExpr', unit: 'YEAR' });
    expect(expr(`TRIM(LEADING 'x' FROM s)`)).toMatchObject({
      kind: 'TrimExpr',
      mode: 'LEADING',
      chars: { kind: 'StringLiteral' },
    });
    expect(expr(`TRIM(s)`)).toMatchObject({ kind: 'TrimExpr', mode: 'BOTH', chars: null });
    expect(expr(`POSITION('lo' IN s)`)).toMatchObject({
      kind: 'FunctionCall',
      name: { name: 'POSITION' },
      args: [{ kind: 'StringLiteral' }, { kind: 'ColumnRef' }],
    });
    expect(expr(`POSITION(x, y)`)).toMatchObject({ kind: 'FunctionCall', args: [{}, {}] });
    expect(expr(`SUBSTRING(s FROM 2 FOR 3)`)).toMatchObject({
      kind: 'FunctionCall',
      name: { name: 'SUBSTRING' },
      args: [{}, {}, {}],
    });
  });

  it('names: dotted columns, window.start/end, quoted identifiers, keywords as columns, subscripts, field access', () => {
    expect(expr(`window.end`)).toMatchObject({ kind: 'ColumnRef', parts: [{ name: 'window' }, { name: 'end' }] });
    expect(expr(`t.col.field`)).toMatchObject({
      kind: 'ColumnRef',
      parts: [{ name: 't' }, { name: 'col' }, { name: 'field' }],
    });
    expect(expr('`timestamp`')).toMatchObject({ kind: 'ColumnRef', parts: [{ name: 'timestamp', quoted: true }] });
    expect(expr(`"Order ""Id"""`)).toMatchObject({ parts: [{ name: 'Order "Id"', quoted: true }] });
    expect(expr(`timestamp`)).toMatchObject({ kind: 'ColumnRef', parts: [{ name: 'timestamp', quoted: false }] });
    expect(expr(`arr[1]`)).toMatchObject({ kind: 'SubscriptExpr' });
    expect(expr(`m['k']`)).toMatchObject({ kind: 'SubscriptExpr', index: { kind: 'StringLiteral' } });
    expect(expr(`(f(x)).y`)).toMatchObject({ kind: 'FieldAccessExpr', field: { name: 'y' } });
  });
});

describe('spans', () => {
  it('are 1-based line/col with char offsets', () => {
    const source = `INSERT INTO o\nSELECT  amount FROM t`;
    const [s] = ok(source) as A.InsertStatement[];
    const e = ((s!.query.body as A.Select).items[0] as A.SelectExpr).expr;
    expect(e.span).toMatchObject({ line: 2, col: 9 });
    expect(source.slice(e.span.offset, e.span.end)).toBe('amount');
  });
});

describe('errors', () => {
  const messages = (source: string) =>
    parse(source).diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`);

  it('say what was expected, at the offending token', () => {
    expect(messages(`INSERT INTO o SELECT a, FROM t`)).toEqual([
      'SQ0001 1:25 expected a column or expression but found "FROM"',
    ]);
    expect(messages(`CREATE STREAM s (a INT, b STRING WITH ('x' = 'y')`)).toEqual([
      'SQ0001 1:34 expected ")" but found "WITH"',
    ]);
    expect(messages(`SELEC * FROM t`)).toEqual([
      'SQ0001 1:1 expected a statement (CREATE, INSERT or SET) but found "SELEC"',
    ]);
  });

  it('report one error per broken statement and keep checking the others', () => {
    const d = messages(
      `SELEC 1; CREATE STREAM ok (a INT) WITH ('connector' = 'memory'); INSERT INTO o SELECT FROM t; INSERT INTO p SELECT a FROM`,
    );
    expect(d).toHaveLength(3);
    expect(parse(`SELEC 1; CREATE STREAM ok (a INT) WITH ('connector' = 'memory')`).script.statements).toHaveLength(1);
  });

  it('keep a placeholder for a broken CREATE so its name stays declared', () => {
    const r = parse(`CREATE STREAM s (a INT,, b INT) WITH ('connector' = 'memory')`);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.script.statements[0]).toMatchObject({ kind: 'CreateRelation', name: { name: 's' }, columns: null });
  });

  it('lexical errors: unterminated string and comment, stray character, with exact positions', () => {
    expect(messages(`INSERT INTO o SELECT 'abc FROM t`)).toEqual([
      `SQ0002 1:22 unterminated string literal: add the closing quote '`,
    ]);
    expect(messages(`INSERT INTO o SELECT a /* x FROM t`)).toEqual([
      'SQ0002 1:24 unterminated comment: add the closing */',
    ]);
    expect(messages(`INSERT INTO o SELECT # FROM t`)).toEqual(['SQ0002 1:22 unexpected character "#"']);
  });

  it('suggest the keyword a misspelled word was probably meant to be', () => {
    const r = parse(`INSERT INTO o SELECT a FROM t WHER a > 1`);
    expect(r.diagnostics.map((d) => [d.span.col, d.message, d.notes])).toEqual([
      [31, '"WHER" is not a keyword: did you mean WHERE?', ['help: did you mean WHERE?']],
    ]);
    expect(parse(`SELEC 1`).diagnostics[0]!.notes).toEqual(['help: did you mean SELECT?']);
  });

  it("the grammar passes Chevrotain's own validations (skipped at startup for speed)", async () => {
    process.env['SQC_GRAMMAR_VALIDATE'] = '1';
    try {
      const { SqParser } = await import('./parser.ts');
      expect(() => new SqParser()).not.toThrow();
      const { allTokens, LEXER_CONFIG } = await import('./tokens.ts');
      const { Lexer } = await import('./chevrotain.ts');
      expect(new Lexer(allTokens, LEXER_CONFIG).lexerDefinitionErrors).toEqual([]);
    } finally {
      delete process.env['SQC_GRAMMAR_VALIDATE'];
    }
  });

  it("the lexer's start-character and line-break hints agree with Chevrotain's analysis of the patterns", async () => {
    const { allTokens, Identifier, LEXER_CONFIG, SqLexer, WHITESPACE_CHARS } = await import('./tokens.ts');
    const { createToken, Lexer } = await import('./chevrotain.ts');
    // The same tokens without hints: Chevrotain derives both from each regular expression.
    const identifier = createToken({ name: Identifier.name, pattern: Identifier.PATTERN });
    const plain = allTokens.map((t) =>
      t === Identifier
        ? identifier
        : createToken({
            name: t.name,
            pattern: t.PATTERN,
            ...(t.GROUP !== undefined ? { group: t.GROUP } : {}),
            ...(t.LONGER_ALT !== undefined ? { longer_alt: identifier } : {}),
          }),
    );
    const reference = new Lexer(plain, { ...LEXER_CONFIG, ensureOptimizations: true });
    const sources = [...new Set(collectSq(join(import.meta.dirname, '..')))].map((f) => readFileSync(f, 'utf8'));
    // every UTF-16 code unit (each alone: a quote would swallow the rest), and tokens spanning lines
    const every = Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c));
    sources.push('SELECT \'a\nb\', "x\ny", `p\r\nq`, /* c\n */ 1 -- d\n\t\u2028\ufeff2 /* open\n');
    const shape = (r: ReturnType<typeof SqLexer.tokenize>) => ({
      tokens: r.tokens.map((t) => [t.tokenType.name, t.image, t.startOffset, t.startLine, t.startColumn, t.endLine]),
      errors: r.errors.map((e) => [e.offset, e.line, e.column, e.length]),
    });
    for (const text of sources) expect(shape(SqLexer.tokenize(text))).toEqual(shape(reference.tokenize(text)));
    const single = (lexer: typeof SqLexer) => every.map((c) => JSON.stringify(shape(lexer.tokenize(`${c}1 a${c}`))));
    expect(single(SqLexer)).toEqual(single(reference));
    expect(WHITESPACE_CHARS).toEqual(every.filter((c) => /\s/.test(c)));
  });

  it('end of input points just after the last token', () => {
    expect(messages(`INSERT INTO o SELECT a FROM`)).toEqual([
      'SQ0001 1:27 expected a table, view, window function or subquery but found end of input',
    ]);
  });
});
