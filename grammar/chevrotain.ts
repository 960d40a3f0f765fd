/**
 * Chevrotain, loaded from its single-file bundle. The package's `exports` entry loads ~650
 * small modules (its own sources plus lodash-es), and under the TypeScript loader that `sqc`
 * runs with each module is a loader round trip: 1.1 s of startup, measured, against ~60 ms
 * for the bundle. Types come from the package as usual; values from the bundle it ships.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

const entry = createRequire(import.meta.url).resolve('chevrotain'); // <pkg>/lib/src/api.js
const chevrotain = (await import(
  pathToFileURL(join(dirname(entry), '..', 'chevrotain.min.mjs')).href
)) as typeof Chevrotain;

export const { createToken, CstParser, EOF, Lexer, LLkLookaheadStrategy, getLookaheadPaths, serializeGrammar } =
  chevrotain;
