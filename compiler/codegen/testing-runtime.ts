/**
 * The runtime as generated modules import it, for tests that run or type-check generated code
 * from outside the package: the runtime API plus the scalar-function library as `fn`.
 */
export * from '../../runtime/index.ts';
export * as fn from '../../runtime/functions/index.ts';
