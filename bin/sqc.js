#!/usr/bin/env node
// The sqc command. The compiler and runtime are TypeScript; tsx loads them (and the modules
// `sqc run` generates) without a separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
