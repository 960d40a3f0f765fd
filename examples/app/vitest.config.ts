import sqc from 'sqc/vite';
import { defineConfig } from 'vitest/config';

// The plugin compiles `.sq` imports (test/clicks.test.ts imports src/clicks.sq) and writes
// src/clicks.d.sq.ts, which gives `tsc` their types.
export default defineConfig({ plugins: [sqc()] });
