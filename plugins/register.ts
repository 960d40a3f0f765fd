/**
 * `node --import sqc/register app.ts`: registers module hooks (Node ≥ 20.6 `module.register`)
 * that compile imported `.sq` files and strip the types of `.ts` files, for scripts run without
 * a build step. Services should compile ahead (`sqc compile`, a bundler plugin, or `tsc`).
 */
import { register } from 'node:module';

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
register(new URL(`./hooks${ext}`, import.meta.url));
