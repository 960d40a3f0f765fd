/**
 * The sq parser: a Chevrotain `CstParser`, one rule per syntactic form, producing a CST that
 * `toAst.ts` turns into the AST. One instance is built at module load and reused via `.input`.
 *
 * `parse` (index.ts) feeds it one statement at a time (the token stream is split at top-level
 * `;`), so a syntax error in one statement never hides the errors of the next ones.
 * Rules with several alternatives that share a prefix are disambiguated with GATEs on the
 * next tokens (`la`).
 */
import type { ILookaheadStrategy, IToken, TokenType } from 'chevrotain';
import { CstParser, EOF } from './chevrotain.ts';
import * as T from './tokens.ts';
import { errorMessages } from './messages.ts';
import { TableLookahead } from './lookahead.ts';
import { LOOKAHEAD_TABLE } from './lookahead-table.ts';

/**
 * Identity. Closures in the grammar are passed through it so no name is inferred for them: the
 * TypeScript loader keeps function names with a `defineProperty` call per closure, which for
 * `{ ALT: () => ... }` literals created on every rule call cost more than the parse itself
 * (measured 450 ms of 600 ms on a 5,000-line program).
 */
function fn<F>(f: F): F {
  return f;
}

export class SqParser extends CstParser {
  /** `lookahead`: from the precomputed table by default (see lookahead.ts). */
  constructor(readonly lookahead: ILookaheadStrategy = new TableLookahead(LOOKAHEAD_TABLE, T.allTokens)) {
    super(T.allTokens, {
      lookaheadStrategy: lookahead,
      // Chevrotain's in-rule recovery is off on purpose: on some broken statements it costs
      // hundreds of milliseconds (measured 600 ms for one 180-character CREATE). `parse`
      // already reports one error per statement by parsing statements separately, and
      // keeps a placeholder for a broken CREATE so later statements do not cascade.
      recoveryEnabled: false,
      nodeLocationTracking: 'full',
      maxLookahead: 2,
      errorMessageProvider: errorMessages,
      skipValidations: process.env.SQC_GRAMMAR_VALIDATE !== '1',
    });
    this.performSelfAnalysis();
  }

  private la(i: number): TokenType {
    return this.LA(i).tokenType;
  }

  private isIdentStart(t: TokenType): boolean {
    return (
      t === T.Identifier ||
      t === T.QuotedIdentifier ||
      t === T.BacktickIdentifier ||
      (t.CATEGORIES?.includes(T.NonReserved) ?? false)
    );
  }

  // ------------------------------------------------------------------------------------------
  // Statements

  statement = this.RULE('statement', () => {
    this.OR([
      { ALT: fn(() => this.SUBRULE(this.setStatement)) },
      { ALT: fn(() => this.SUBRULE(this.createStatement)) },
      { ALT: fn(() => this.SUBRULE(this.insertStatement)) },
    ]);
  });

  setStatement = this.RULE('setStatement', () => {
    this.CONSUME(T.Set);
    this.SUBRULE(this.setWord, { LABEL: 'key' });
    this.CONSUME(T.Equals);
    this.SUBRULE2(this.setWord, { LABEL: 'value' });
  });

  /** A SET key or value: a string, a number, or bare words joined by dots (`checkpoint.dir`). */
  setWord = this.RULE('setWord', () => {
    this.OR([
      { ALT: fn(() => this.CONSUME(T.StringLiteral)) },
      { ALT: fn(() => this.CONSUME(T.NumberLiteral)) },
      {
        ALT: fn(() => {
          this.SUBRULE(this.anyWord);
          this.MANY(() => {
            this.CONSUME(T.Dot);
            this.SUBRULE2(this.anyWord);
          });
        }),
      },
    ]);
  });

  createStatement = this.RULE('createStatement', () => {
    this.CONSUME(T.Create);
    this.OPTION(() => this.CONSUME(T.Temporary));
    this.OR([
      {
        ALT: fn(() => {
          this.CONSUME(T.View);
          this.SUBRULE(this.ifNotExists);
          this.SUBRULE(this.identifier, { LABEL: 'name' });
          this.OPTION2(() => this.SUBRULE(this.identList, { LABEL: 'aliases' }));
          this.CONSUME(T.As);
          this.SUBRULE(this.query);
        }),
      },
      {
        // `CREATE [TEMPORARY [SYSTEM]] FUNCTION [IF NOT EXISTS] name AS 'module#export' [LANGUAGE word]`
        ALT: fn(() => {
          this.OPTION7(() => this.CONSUME(T.SystemKw));
          this.CONSUME(T.FunctionKw);
          this.SUBRULE3(this.ifNotExists);
          this.SUBRULE3(this.identifier, { LABEL: 'name' });
          this.CONSUME3(T.As);
          this.CONSUME(T.StringLiteral, { LABEL: 'target' });
          this.OPTION8(() => {
            this.CONSUME(T.Language);
            this.SUBRULE(this.anyWord, { LABEL: 'language' });
          });
        }),
      },
      {
        ALT: fn(() => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Stream, { LABEL: 'relation' }) },
            { ALT: () => this.CONSUME(T.Table, { LABEL: 'relation' }) },
            { ALT: () => this.CONSUME(T.Sink, { LABEL: 'relation' }) },
          ]);
          this.SUBRULE2(this.ifNotExists);
          this.SUBRULE2(this.identifier, { LABEL: 'name' });
          this.OPTION3(() => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.tableElement);
            this.MANY(() => {
              this.CONSUME(T.Comma);
              this.SUBRULE2(this.tableElement);
            });
            this.CONSUME(T.RParen);
          });
          this.OPTION9(() => {
            this.CONSUME(T.Partitioned);
            this.CONSUME(T.By);
            this.SUBRULE2(this.identList, { LABEL: 'partitionedBy' });
          });
          this.OPTION4(() => {
            this.CONSUME(T.With);
            this.SUBRULE(this.optionList);
          });
          this.OPTION5(() => {
            this.CONSUME2(T.As);
            this.SUBRULE2(this.query, { LABEL: 'asQuery' });
            this.OPTION6(() => this.SUBRULE(this.emitClause));
          });
        }),
      },
    ]);
  });

  ifNotExists = this.RULE('ifNotExists', () => {
    this.OPTION(() => {
      this.CONSUME(T.If);
      this.CONSUME(T.Not);
      this.CONSUME(T.Exists);
    });
  });

  tableElement = this.RULE('tableElement', () => {
    this.OR([
      {
        GATE: fn(() => this.la(1) === T.Watermark && this.la(2) === T.For),
        ALT: fn(() => this.SUBRULE(this.watermarkDef)),
      },
      {
        GATE: fn(() => this.la(1) === T.Primary && this.la(2) === T.Key),
        ALT: fn(() => this.SUBRULE(this.primaryKeyDef)),
      },
      { ALT: fn(() => this.SUBRULE(this.columnDef)) },
    ]);
  });

  watermarkDef = this.RULE('watermarkDef', () => {
    this.CONSUME(T.Watermark);
    this.CONSUME(T.For);
    this.SUBRULE(this.identifier, { LABEL: 'column' });
    this.CONSUME(T.As);
    this.SUBRULE(this.expression);
  });

  primaryKeyDef = this.RULE('primaryKeyDef', () => {
    this.CONSUME(T.Primary);
    this.CONSUME(T.Key);
    this.SUBRULE(this.identList);
    this.OPTION(() => {
      this.CONSUME(T.Not);
      this.CONSUME(T.Enforced);
    });
  });

  columnDef = this.RULE('columnDef', () => {
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.OR([
      {
        ALT: fn(() => {
          this.CONSUME(T.As);
          this.SUBRULE(this.expression, { LABEL: 'computed' });
        }),
      },
      {
        ALT: fn(() => {
          this.SUBRULE(this.dataType);
          this.OPTION(() => {
            this.CONSUME(T.Metadata);
            this.OPTION2(() => {
              this.CONSUME(T.From);
              this.CONSUME(T.StringLiteral, { LABEL: 'metadataKey' });
            });
            this.OPTION3(() => this.CONSUME(T.Virtual));
          });
          this.OPTION4(() => {
            this.CONSUME(T.Primary);
            this.CONSUME(T.Key);
            this.OPTION5(() => {
              this.CONSUME(T.Not);
              this.CONSUME(T.Enforced);
            });
          });
        }),
      },
    ]);
  });

  optionList = this.RULE('optionList', () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: fn(() => this.SUBRULE(this.optionPair)) });
    this.CONSUME(T.RParen);
  });

  optionPair = this.RULE('optionPair', () => {
    this.CONSUME(T.StringLiteral, { LABEL: 'key' });
    this.CONSUME(T.Equals);
    this.CONSUME2(T.StringLiteral, { LABEL: 'value' });
  });

  insertStatement = this.RULE('insertStatement', () => {
    this.CONSUME(T.Insert);
    this.CONSUME(T.Into);
    this.SUBRULE(this.identifier, { LABEL: 'target' });
    this.OPTION({
      GATE: fn(
        () => this.la(1) === T.LParen && this.la(2) !== T.Select && this.la(2) !== T.With && this.la(2) !== T.LParen,
      ),
      DEF: fn(() => this.SUBRULE(this.identList, { LABEL: 'columns' })),
    });
    this.SUBRULE(this.query);
    this.OPTION2(() => this.SUBRULE(this.emitClause));
  });

  emitClause = this.RULE('emitClause', () => {
    this.CONSUME(T.Emit);
    this.OR([
      { ALT: fn(() => this.CONSUME(T.Final, { LABEL: 'mode' })) },
      { ALT: fn(() => this.CONSUME(T.Changes, { LABEL: 'mode' })) },
      { ALT: fn(() => this.CONSUME(T.Complete, { LABEL: 'mode' })) },
    ]);
  });

  // ------------------------------------------------------------------------------------------
  // Types

  /** `INT`, `DECIMAL(10, 2)`, `TIMESTAMP(3) [WITH LOCAL TIME ZONE]`, `ARRAY<T>`, `MAP<K, V>`, `ROW<a T>`, `ROW(a T)`. */
  dataType = this.RULE('dataType', () => {
    this.SUBRULE(this.typeName, { LABEL: 'name' });
    this.OPTION({
      GATE: fn(() => this.LA(1).image.toUpperCase() === 'PRECISION'), // DOUBLE PRECISION
      DEF: fn(() => this.CONSUME(T.Identifier, { LABEL: 'precisionWord' })),
    });
    this.OPTION2(() => {
      this.CONSUME(T.LParen);
      this.OR([
        {
          ALT: fn(() => {
            this.CONSUME(T.NumberLiteral, { LABEL: 'param' });
            this.OPTION3(() => {
              this.CONSUME(T.Comma);
              this.CONSUME2(T.NumberLiteral, { LABEL: 'param' });
            });
          }),
        },
        { ALT: fn(() => this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.typeArg) })) },
      ]);
      this.CONSUME(T.RParen);
    });
    this.OPTION4(() => {
      this.CONSUME(T.Less);
      this.AT_LEAST_ONE_SEP2({ SEP: T.Comma, DEF: fn(() => this.SUBRULE2(this.typeArg)) });
      this.CONSUME(T.Greater);
    });
    this.OPTION5({
      GATE: () =>
        (this.la(1) === T.With && (this.la(2) === T.TimeKw || this.LA(2).image.toUpperCase() === 'LOCAL')) ||
        this.LA(1).image.toUpperCase() === 'WITHOUT',
      DEF: fn(() =>
        this.OR2([
          {
            GATE: () => this.la(2) === T.TimeKw || this.LA(2).image.toUpperCase() === 'LOCAL',
            ALT: () => {
              this.CONSUME(T.With);
              this.OPTION6(() => this.CONSUME2(T.Identifier, { LABEL: 'local' }));
              this.CONSUME(T.TimeKw);
              this.CONSUME3(T.Identifier, { LABEL: 'zone' });
            },
          },
          {
            GATE: () => this.LA(1).image.toUpperCase() === 'WITHOUT',
            ALT: () => {
              this.CONSUME4(T.Identifier);
              this.CONSUME2(T.TimeKw);
              this.CONSUME5(T.Identifier);
            },
          },
        ]),
      ),
    });
    this.OPTION7(() => {
      this.CONSUME(T.Not, { LABEL: 'notNull' });
      this.CONSUME(T.Null);
    });
  });

  /** A type's name: any identifier (INT, STRING, TIMESTAMP, ROW, MAP, ...) or ARRAY. */
  typeName = this.RULE('typeName', () => {
    this.OR([{ ALT: fn(() => this.SUBRULE(this.identifier)) }, { ALT: fn(() => this.CONSUME(T.Array)) }]);
  });

  /** One type argument: a type (`STRING`), or a ROW field (`name TYPE`). */
  typeArg = this.RULE('typeArg', () => {
    this.SUBRULE(this.dataType, { LABEL: 'first' });
    this.OPTION({
      GATE: fn(() => this.la(1) !== T.Comma && this.la(1) !== T.Greater && this.la(1) !== T.RParen),
      DEF: fn(() => this.SUBRULE2(this.dataType, { LABEL: 'second' })),
    });
  });

  // ------------------------------------------------------------------------------------------
  // Queries

  query = this.RULE('query', () => {
    this.OPTION(() => {
      this.CONSUME(T.With);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: fn(() => this.SUBRULE(this.cte)) });
    });
    this.SUBRULE(this.setExpr);
    this.OPTION2(() => {
      this.CONSUME(T.Order);
      this.CONSUME(T.By);
      this.AT_LEAST_ONE_SEP2({ SEP: T.Comma, DEF: fn(() => this.SUBRULE(this.orderItem)) });
    });
    this.OPTION3(() => {
      this.CONSUME(T.Limit);
      this.SUBRULE(this.expression, { LABEL: 'limit' });
    });
  });

  cte = this.RULE('cte', () => {
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.OPTION(() => this.SUBRULE(this.identList, { LABEL: 'aliases' }));
    this.CONSUME(T.As);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.query);
    this.CONSUME(T.RParen);
  });

  setExpr = this.RULE('setExpr', () => {
    this.SUBRULE(this.setTerm, { LABEL: 'terms' });
    this.MANY(() => {
      this.OR([
        { ALT: fn(() => this.CONSUME(T.Union, { LABEL: 'ops' })) },
        { ALT: fn(() => this.CONSUME(T.Intersect, { LABEL: 'ops' })) },
        { ALT: fn(() => this.CONSUME(T.Except, { LABEL: 'ops' })) },
      ]);
      this.OPTION(() => {
        this.OR2([
          { ALT: fn(() => this.CONSUME(T.All, { LABEL: 'quantifiers' })) },
          { ALT: fn(() => this.CONSUME(T.Distinct, { LABEL: 'quantifiers' })) },
        ]);
      });
      this.SUBRULE2(this.setTerm, { LABEL: 'terms' });
    });
  });

  setTerm = this.RULE('setTerm', () => {
    this.OR([
      { ALT: fn(() => this.SUBRULE(this.select)) },
      {
        ALT: fn(() => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.query);
          this.CONSUME(T.RParen);
        }),
      },
    ]);
  });

  select = this.RULE('select', () => {
    this.CONSUME(T.Select);
    this.OPTION(() => {
      this.OR([{ ALT: fn(() => this.CONSUME(T.Distinct)) }, { ALT: fn(() => this.CONSUME(T.All)) }]);
    });
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: fn(() => this.SUBRULE(this.selectItem)) });
    this.OPTION2(() => {
      this.CONSUME(T.From);
      this.SUBRULE(this.fromClause);
    });
    this.OPTION3(() => {
      this.CONSUME(T.Where);
      this.SUBRULE(this.expression, { LABEL: 'where' });
    });
    this.OPTION4(() => {
      this.CONSUME(T.Group);
      this.CONSUME(T.By);
      this.AT_LEAST_ONE_SEP2({ SEP: T.Comma, DEF: fn(() => this.SUBRULE2(this.expression, { LABEL: 'groupBy' })) });
    });
    this.OPTION5(() => {
      this.CONSUME(T.Having);
      this.SUBRULE3(this.expression, { LABEL: 'having' });
    });
  });

  selectItem = this.RULE('selectItem', () => {
    this.OR([
      { ALT: fn(() => this.CONSUME(T.Star)) },
      {
        GATE: fn(() => this.isIdentStart(this.la(1)) && this.la(2) === T.Dot && this.la(3) === T.Star),
        ALT: fn(() => {
          this.SUBRULE(this.identifier, { LABEL: 'qualifier' });
          this.CONSUME(T.Dot);
          this.CONSUME2(T.Star);
        }),
      },
      {
        ALT: fn(() => {
          this.SUBRULE(this.expression);
          this.OPTION(() => this.SUBRULE(this.alias));
        }),
      },
    ]);
  });

  /** `[AS] name`. */
  alias = this.RULE('alias', () => {
    this.OR([
      {
        ALT: fn(() => {
          this.CONSUME(T.As);
          this.SUBRULE(this.identifier);
        }),
      },
      { ALT: fn(() => this.SUBRULE2(this.identifier)) },
    ]);
  });

  orderItem = this.RULE('orderItem', () => {
    this.SUBRULE(this.expression);
    this.OPTION(() => this.OR([{ ALT: fn(() => this.CONSUME(T.Asc)) }, { ALT: fn(() => this.CONSUME(T.Desc)) }]));
    this.OPTION2(() => {
      this.CONSUME(T.Nulls);
      this.OR2([{ ALT: fn(() => this.CONSUME(T.First)) }, { ALT: fn(() => this.CONSUME(T.Last)) }]);
    });
  });

  fromClause = this.RULE('fromClause', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: fn(() => this.SUBRULE(this.joinedTable)) });
  });

  joinedTable = this.RULE('joinedTable', () => {
    this.SUBRULE(this.tablePrimary);
    this.MANY(() => this.SUBRULE(this.joinClause));
  });

  joinClause = this.RULE('joinClause', () => {
    this.OPTION(() => {
      this.OR([
        { ALT: fn(() => this.CONSUME(T.Inner, { LABEL: 'type' })) },
        { ALT: fn(() => this.CONSUME(T.Cross, { LABEL: 'type' })) },
        {
          ALT: fn(() => {
            this.OR2([
              { ALT: () => this.CONSUME(T.Left, { LABEL: 'type' }) },
              { ALT: () => this.CONSUME(T.Right, { LABEL: 'type' }) },
              { ALT: () => this.CONSUME(T.Full, { LABEL: 'type' }) },
            ]);
            this.OPTION2(() => this.CONSUME(T.Outer));
          }),
        },
      ]);
    });
    this.CONSUME(T.Join);
    this.SUBRULE(this.tablePrimary);
    this.OPTION3(() => {
      this.CONSUME(T.On);
      this.SUBRULE(this.expression, { LABEL: 'on' });
    });
  });

  tablePrimary = this.RULE('tablePrimary', () => {
    this.OR([
      { ALT: fn(() => this.SUBRULE(this.windowTvf)) },
      { ALT: fn(() => this.SUBRULE(this.unnest)) },
      {
        GATE: fn(
          () =>
            this.la(1) === T.LParen && (this.la(2) === T.Select || this.la(2) === T.With || this.la(2) === T.LParen),
        ),
        ALT: fn(() => this.SUBRULE(this.derivedTable)),
      },
      {
        ALT: fn(() => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.joinedTable, { LABEL: 'nested' });
          this.CONSUME(T.RParen);
        }),
      },
      { ALT: fn(() => this.SUBRULE(this.tableRef)) },
    ]);
  });

  tableRef = this.RULE('tableRef', () => {
    this.SUBRULE(this.identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.For);
      this.CONSUME(T.SystemTime);
      this.CONSUME(T.As);
      this.CONSUME(T.Of);
      this.SUBRULE(this.additive, { LABEL: 'systemTime' });
    });
    this.OPTION2({
      GATE: fn(() => this.la(1) === T.As || this.isIdentStart(this.la(1))),
      DEF: fn(() => this.SUBRULE(this.alias)),
    });
  });

  derivedTable = this.RULE('derivedTable', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.query);
    this.CONSUME(T.RParen);
    this.OPTION({
      GATE: fn(() => this.la(1) === T.As || this.isIdentStart(this.la(1))),
      DEF: fn(() => this.SUBRULE(this.alias)),
    });
    this.OPTION2(() => this.SUBRULE(this.identList, { LABEL: 'aliases' }));
  });

  /** `TABLE(fn(TABLE t [PARTITION BY ...], DESCRIPTOR(ts), interval...)) [[AS] alias]`. */
  windowTvf = this.RULE('windowTvf', () => {
    this.CONSUME(T.Table);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.identifier, { LABEL: 'fn' });
    this.CONSUME2(T.LParen);
    this.CONSUME2(T.Table);
    this.OR([
      {
        ALT: fn(() => {
          this.CONSUME3(T.LParen);
          this.SUBRULE(this.query, { LABEL: 'sourceQuery' });
          this.CONSUME3(T.RParen);
        }),
      },
      { ALT: fn(() => this.SUBRULE2(this.identifier, { LABEL: 'source' })) },
    ]);
    this.OPTION(() => {
      this.CONSUME(T.Partition);
      this.CONSUME(T.By);
      this.SUBRULE3(this.identifier, { LABEL: 'partitionBy' });
      // `PARTITION BY a, b, DESCRIPTOR(ts)`: a comma continues the list only before a plain name.
      this.MANY2({
        GATE: fn(() => this.la(1) === T.Comma && this.isIdentStart(this.la(2)) && this.la(3) !== T.LParen),
        DEF: fn(() => {
          this.CONSUME2(T.Comma);
          this.SUBRULE4(this.identifier, { LABEL: 'partitionBy' });
        }),
      });
    });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE(this.expression, { LABEL: 'args' });
    });
    this.CONSUME2(T.RParen);
    this.CONSUME(T.RParen);
    this.OPTION2({
      GATE: fn(() => this.la(1) === T.As || this.isIdentStart(this.la(1))),
      DEF: fn(() => this.SUBRULE(this.alias)),
    });
  });

  /** `UNNEST(expr) [WITH ORDINALITY] [AS] alias [(col, ...)]`. */
  unnest = this.RULE('unnest', () => {
    this.CONSUME(T.Unnest);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
    this.OPTION(() => {
      this.CONSUME(T.With);
      this.CONSUME(T.Ordinality);
    });
    this.OPTION2({
      GATE: fn(() => this.la(1) === T.As || this.isIdentStart(this.la(1))),
      DEF: fn(() => this.SUBRULE(this.alias)),
    });
    this.OPTION3(() => this.SUBRULE(this.identList, { LABEL: 'columns' }));
  });

  identList = this.RULE('identList', () => {
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: fn(() => this.SUBRULE(this.identifier)) });
    this.CONSUME(T.RParen);
  });

  // ------------------------------------------------------------------------------------------
  // Expressions, lowest precedence first

  expression = this.RULE('expression', () => {
    this.SUBRULE(this.andExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.Or, { LABEL: 'ops' });
      this.SUBRULE2(this.andExpr, { LABEL: 'operands' });
    });
  });

  andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.And, { LABEL: 'ops' });
      this.SUBRULE2(this.notExpr, { LABEL: 'operands' });
    });
  });

  notExpr = this.RULE('notExpr', () => {
    this.OR([
      {
        ALT: fn(() => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpr);
        }),
      },
      { ALT: fn(() => this.SUBRULE(this.predicate)) },
    ]);
  });

  predicate = this.RULE('predicate', () => {
    this.SUBRULE(this.concat, { LABEL: 'left' });
    this.OPTION(() => {
      this.OR([
        {
          ALT: fn(() => {
            this.OR2([
              { ALT: () => this.CONSUME(T.Equals, { LABEL: 'compOp' }) },
              { ALT: () => this.CONSUME(T.NotEqual, { LABEL: 'compOp' }) },
              { ALT: () => this.CONSUME(T.Less, { LABEL: 'compOp' }) },
              { ALT: () => this.CONSUME(T.LessEq, { LABEL: 'compOp' }) },
              { ALT: () => this.CONSUME(T.Greater, { LABEL: 'compOp' }) },
              { ALT: () => this.CONSUME(T.GreaterEq, { LABEL: 'compOp' }) },
            ]);
            this.SUBRULE2(this.concat, { LABEL: 'right' });
          }),
        },
        {
          ALT: fn(() => {
            this.CONSUME(T.Is);
            this.OPTION2(() => this.CONSUME(T.Not, { LABEL: 'isNot' }));
            this.OR3([
              { ALT: () => this.CONSUME(T.Null, { LABEL: 'isWhat' }) },
              { ALT: () => this.CONSUME(T.True, { LABEL: 'isWhat' }) },
              { ALT: () => this.CONSUME(T.False, { LABEL: 'isWhat' }) },
              { ALT: () => this.CONSUME(T.Unknown, { LABEL: 'isWhat' }) },
              {
                ALT: () => {
                  this.CONSUME(T.Distinct, { LABEL: 'isWhat' });
                  this.CONSUME(T.From);
                  this.SUBRULE3(this.concat, { LABEL: 'right' });
                },
              },
            ]);
          }),
        },
        {
          ALT: fn(() => {
            this.OPTION3(() => this.CONSUME2(T.Not, { LABEL: 'negated' }));
            this.OR4([
              {
                ALT: () => {
                  this.CONSUME(T.Between);
                  this.OPTION4(() => this.CONSUME(T.Symmetric));
                  this.SUBRULE4(this.concat, { LABEL: 'low' });
                  this.CONSUME(T.And);
                  this.SUBRULE5(this.concat, { LABEL: 'high' });
                },
              },
              {
                ALT: () => {
                  this.CONSUME(T.In);
                  this.CONSUME(T.LParen);
                  this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'list' }) });
                  this.CONSUME(T.RParen);
                },
              },
              {
                ALT: () => {
                  this.CONSUME(T.Like);
                  this.SUBRULE6(this.concat, { LABEL: 'pattern' });
                  this.OPTION5(() => {
                    this.CONSUME(T.Escape);
                    this.SUBRULE7(this.concat, { LABEL: 'escape' });
                  });
                },
              },
            ]);
          }),
        },
      ]);
    });
  });

  concat = this.RULE('concat', () => {
    this.SUBRULE(this.additive, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.Concat, { LABEL: 'ops' });
      this.SUBRULE2(this.additive, { LABEL: 'operands' });
    });
  });

  additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([
        { ALT: fn(() => this.CONSUME(T.Plus, { LABEL: 'ops' })) },
        { ALT: fn(() => this.CONSUME(T.Minus, { LABEL: 'ops' })) },
      ]);
      this.SUBRULE2(this.multiplicative, { LABEL: 'operands' });
    });
  });

  multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([
        { ALT: fn(() => this.CONSUME(T.Star, { LABEL: 'ops' })) },
        { ALT: fn(() => this.CONSUME(T.Slash, { LABEL: 'ops' })) },
        { ALT: fn(() => this.CONSUME(T.Percent, { LABEL: 'ops' })) },
      ]);
      this.SUBRULE2(this.unary, { LABEL: 'operands' });
    });
  });

  unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: fn(() => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Minus, { LABEL: 'sign' }) },
            { ALT: () => this.CONSUME(T.Plus, { LABEL: 'sign' }) },
          ]);
          this.SUBRULE(this.unary);
        }),
      },
      { ALT: fn(() => this.SUBRULE(this.postfix)) },
    ]);
  });

  /** A primary followed by `[index]` and `.field` accesses, left to right. */
  postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        {
          ALT: fn(() => {
            this.CONSUME(T.LBracket, { LABEL: 'suffix' });
            this.SUBRULE(this.expression, { LABEL: 'index' });
            this.CONSUME(T.RBracket);
          }),
        },
        {
          ALT: fn(() => {
            this.CONSUME(T.Dot, { LABEL: 'suffix' });
            this.SUBRULE(this.fieldName, { LABEL: 'field' });
          }),
        },
      ]);
    });
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: fn(() => this.CONSUME(T.NumberLiteral)) },
      { ALT: fn(() => this.CONSUME(T.StringLiteral)) },
      { ALT: fn(() => this.CONSUME(T.True)) },
      { ALT: fn(() => this.CONSUME(T.False)) },
      { ALT: fn(() => this.CONSUME(T.Null)) },
      { ALT: fn(() => this.SUBRULE(this.intervalLiteral)) },
      {
        GATE: fn(
          () =>
            (this.la(1) === T.TimestampKw || this.la(1) === T.DateKw || this.la(1) === T.TimeKw) &&
            this.la(2) === T.StringLiteral,
        ),
        ALT: fn(() => this.SUBRULE(this.typedLiteral)),
      },
      { ALT: fn(() => this.SUBRULE(this.caseExpr)) },
      { ALT: fn(() => this.SUBRULE(this.castExpr)) },
      { ALT: fn(() => this.SUBRULE(this.extractExpr)) },
      { ALT: fn(() => this.SUBRULE(this.trimExpr)) },
      { ALT: fn(() => this.SUBRULE(this.substringExpr)) },
      { ALT: fn(() => this.SUBRULE(this.arrayCtor)) },
      {
        ALT: fn(() => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression, { LABEL: 'inner' });
          this.CONSUME(T.RParen);
        }),
      },
      { GATE: fn(() => this.isPositionIn()), ALT: fn(() => this.SUBRULE(this.positionExpr)) },
      {
        GATE: fn(
          () =>
            this.la(2) === T.LParen &&
            (this.isIdentStart(this.la(1)) || this.la(1) === T.Left || this.la(1) === T.Right),
        ),
        ALT: fn(() => this.SUBRULE(this.functionCall)),
      },
      { ALT: fn(() => this.SUBRULE(this.identifier, { LABEL: 'name' })) },
    ]);
  });

  intervalLiteral = this.RULE('intervalLiteral', () => {
    this.CONSUME(T.Interval);
    this.OPTION(() => this.CONSUME(T.Minus, { LABEL: 'negative' }));
    this.OR([
      { ALT: fn(() => this.CONSUME(T.StringLiteral, { LABEL: 'value' })) },
      { ALT: fn(() => this.CONSUME(T.NumberLiteral, { LABEL: 'value' })) },
    ]);
    this.OPTION2(() => {
      this.CONSUME(T.TimeUnitWord, { LABEL: 'unit' });
      this.OPTION3(() => {
        this.CONSUME(T.To);
        this.CONSUME2(T.TimeUnitWord, { LABEL: 'toUnit' });
      });
    });
  });

  typedLiteral = this.RULE('typedLiteral', () => {
    this.OR([
      { ALT: fn(() => this.CONSUME(T.TimestampKw, { LABEL: 'type' })) },
      { ALT: fn(() => this.CONSUME(T.DateKw, { LABEL: 'type' })) },
      { ALT: fn(() => this.CONSUME(T.TimeKw, { LABEL: 'type' })) },
    ]);
    this.CONSUME(T.StringLiteral);
  });

  caseExpr = this.RULE('caseExpr', () => {
    this.CONSUME(T.Case);
    this.OPTION(() => this.SUBRULE(this.expression, { LABEL: 'operand' }));
    this.AT_LEAST_ONE(() => {
      this.CONSUME(T.When);
      this.SUBRULE2(this.expression, { LABEL: 'when' });
      this.CONSUME(T.Then);
      this.SUBRULE3(this.expression, { LABEL: 'then' });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Else);
      this.SUBRULE4(this.expression, { LABEL: 'else' });
    });
    this.CONSUME(T.End);
  });

  castExpr = this.RULE('castExpr', () => {
    this.OR([
      { ALT: fn(() => this.CONSUME(T.Cast, { LABEL: 'fn' })) },
      { ALT: fn(() => this.CONSUME(T.TryCast, { LABEL: 'fn' })) },
    ]);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.As);
    this.SUBRULE(this.dataType);
    this.CONSUME(T.RParen);
  });

  extractExpr = this.RULE('extractExpr', () => {
    this.CONSUME(T.Extract);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.anyWord, { LABEL: 'unit' });
    this.CONSUME(T.From);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  /** `TRIM([BOTH|LEADING|TRAILING] [chars] FROM s)` or `TRIM(s)`. */
  trimExpr = this.RULE('trimExpr', () => {
    this.CONSUME(T.Trim);
    this.CONSUME(T.LParen);
    this.OPTION({
      GATE: fn(() => this.la(1) === T.Both || this.la(1) === T.Leading || this.la(1) === T.Trailing),
      DEF: () =>
        this.OR([
          { ALT: fn(() => this.CONSUME(T.Both, { LABEL: 'mode' })) },
          { ALT: fn(() => this.CONSUME(T.Leading, { LABEL: 'mode' })) },
          { ALT: fn(() => this.CONSUME(T.Trailing, { LABEL: 'mode' })) },
        ]),
    });
    this.OPTION2({
      GATE: fn(() => this.la(1) !== T.From),
      DEF: fn(() => this.SUBRULE(this.expression, { LABEL: 'first' })),
    });
    this.OPTION3(() => {
      this.CONSUME(T.From);
      this.SUBRULE2(this.expression, { LABEL: 'second' });
    });
    this.CONSUME(T.RParen);
  });

  /** `SUBSTRING(s FROM a [FOR b])` or `SUBSTRING(s, a [, b])`. */
  substringExpr = this.RULE('substringExpr', () => {
    this.CONSUME(T.Substring);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression, { LABEL: 'args' });
    this.OR([
      {
        ALT: fn(() => {
          this.CONSUME(T.From);
          this.SUBRULE2(this.expression, { LABEL: 'args' });
          this.OPTION(() => {
            this.CONSUME(T.For);
            this.SUBRULE3(this.expression, { LABEL: 'args' });
          });
        }),
      },
      {
        ALT: () =>
          this.MANY(() => {
            this.CONSUME(T.Comma);
            this.SUBRULE4(this.expression, { LABEL: 'args' });
          }),
      },
    ]);
    this.CONSUME(T.RParen);
  });

  arrayCtor = this.RULE('arrayCtor', () => {
    this.CONSUME(T.Array);
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: fn(() => this.SUBRULE(this.expression, { LABEL: 'elements' })) });
    this.CONSUME(T.RBracket);
  });

  /** `POSITION(needle IN haystack)`, the SQL-standard form (`POSITION(a, b)` is an ordinary call). */
  positionExpr = this.RULE('positionExpr', () => {
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.LParen);
    this.SUBRULE(this.concat, { LABEL: 'needle' });
    this.CONSUME(T.In);
    this.SUBRULE2(this.concat, { LABEL: 'haystack' });
    this.CONSUME(T.RParen);
  });

  /** True when the call starting at LA(1) is `POSITION(... IN ...)` with IN at its top level. */
  private isPositionIn(): boolean {
    if (this.LA(1).image.toUpperCase() !== 'POSITION' || this.la(2) !== T.LParen) return false;
    let depth = 0;
    for (let i = 3; i < 200; i++) {
      const t = this.la(i);
      if (t === EOF) return false;
      if (t === T.LParen || t === T.LBracket) depth++;
      else if (t === T.RParen || t === T.RBracket) {
        if (depth === 0) return false;
        depth--;
      } else if (t === T.In && depth === 0) return true;
    }
    return false;
  }

  /** `name([DISTINCT|ALL] args | *) [FILTER (WHERE cond)]`. */
  functionCall = this.RULE('functionCall', () => {
    this.OR([
      { ALT: fn(() => this.SUBRULE(this.identifier, { LABEL: 'name' })) },
      { ALT: fn(() => this.CONSUME(T.Left, { LABEL: 'keywordName' })) },
      { ALT: fn(() => this.CONSUME(T.Right, { LABEL: 'keywordName' })) },
    ]);
    this.CONSUME(T.LParen);
    this.OPTION(() => this.OR2([{ ALT: fn(() => this.CONSUME(T.Distinct)) }, { ALT: fn(() => this.CONSUME(T.All)) }]));
    this.OPTION2(() =>
      this.OR3([
        { ALT: fn(() => this.CONSUME(T.Star)) },
        {
          ALT: fn(() =>
            this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'args' }) }),
          ),
        },
      ]),
    );
    this.CONSUME(T.RParen);
    this.OPTION3({
      GATE: fn(() => this.la(1) === T.Filter && this.la(2) === T.LParen && this.la(3) === T.Where),
      DEF: fn(() => {
        this.CONSUME(T.Filter);
        this.CONSUME2(T.LParen);
        this.CONSUME(T.Where);
        this.SUBRULE2(this.expression, { LABEL: 'filter' });
        this.CONSUME2(T.RParen);
      }),
    });
    this.OPTION4({
      GATE: fn(() => this.la(1) === T.Over && this.la(2) === T.LParen),
      DEF: fn(() => this.SUBRULE(this.overClause)),
    });
  });

  /** `OVER ([PARTITION BY exprs] [ORDER BY items] [ROWS|RANGE frame])`. */
  overClause = this.RULE('overClause', () => {
    this.CONSUME(T.Over);
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.CONSUME(T.Partition);
      this.CONSUME(T.By);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: fn(() => this.SUBRULE(this.expression, { LABEL: 'partitionBy' })) });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Order);
      this.CONSUME2(T.By);
      this.AT_LEAST_ONE_SEP2({ SEP: T.Comma, DEF: fn(() => this.SUBRULE(this.orderItem)) });
    });
    this.OPTION3(() => this.SUBRULE(this.windowFrame));
    this.CONSUME(T.RParen);
  });

  /** `ROWS|RANGE BETWEEN bound AND bound`, or `ROWS|RANGE bound` (up to the current row). */
  windowFrame = this.RULE('windowFrame', () => {
    this.OR([
      { ALT: fn(() => this.CONSUME(T.Rows, { LABEL: 'unit' })) },
      { ALT: fn(() => this.CONSUME(T.Range, { LABEL: 'unit' })) },
    ]);
    this.OR2([
      {
        ALT: fn(() => {
          this.CONSUME(T.Between);
          this.SUBRULE(this.frameBound, { LABEL: 'lower' });
          this.CONSUME(T.And);
          this.SUBRULE2(this.frameBound, { LABEL: 'upper' });
        }),
      },
      { ALT: fn(() => this.SUBRULE3(this.frameBound, { LABEL: 'lower' })) },
    ]);
  });

  /** `UNBOUNDED PRECEDING`, `CURRENT ROW`, `n PRECEDING`, `INTERVAL '1' HOUR PRECEDING` (or FOLLOWING). */
  frameBound = this.RULE('frameBound', () => {
    this.OR([
      {
        ALT: fn(() => {
          this.CONSUME(T.Current, { LABEL: 'current' });
          this.CONSUME(T.Row);
        }),
      },
      {
        ALT: fn(() => {
          this.OR2([
            { ALT: fn(() => this.CONSUME(T.Unbounded, { LABEL: 'unbounded' })) },
            { ALT: fn(() => this.SUBRULE(this.additive, { LABEL: 'offset' })) },
          ]);
          this.OR3([
            { ALT: fn(() => this.CONSUME(T.Preceding, { LABEL: 'direction' })) },
            { ALT: fn(() => this.CONSUME(T.Following, { LABEL: 'direction' })) },
          ]);
        }),
      },
    ]);
  });

  // ------------------------------------------------------------------------------------------
  // Words

  identifier = this.RULE('identifier', () => {
    this.OR([
      { ALT: fn(() => this.CONSUME(T.Identifier)) },
      { ALT: fn(() => this.CONSUME(T.QuotedIdentifier)) },
      { ALT: fn(() => this.CONSUME(T.BacktickIdentifier)) },
      { ALT: fn(() => this.CONSUME(T.NonReserved)) },
    ]);
  });

  /** After a `.`, any word names a field, reserved keywords included (`window.end`). */
  fieldName = this.RULE('fieldName', () => {
    this.OR([{ ALT: fn(() => this.SUBRULE(this.identifier)) }, { ALT: fn(() => this.CONSUME(T.Keyword)) }]);
  });

  /** Any identifier or keyword (type names, SET keys, EXTRACT units). */
  anyWord = this.RULE('anyWord', () => {
    this.OR([
      { ALT: fn(() => this.CONSUME(T.Identifier)) },
      { ALT: fn(() => this.CONSUME(T.Keyword)) },
      { ALT: fn(() => this.CONSUME(T.QuotedIdentifier)) },
      { ALT: fn(() => this.CONSUME(T.BacktickIdentifier)) },
    ]);
  });
}

/** The one parser instance (building it runs Chevrotain's grammar analysis: do it once). */
export const parser = new SqParser();

export { EOF };
export type { IToken };
