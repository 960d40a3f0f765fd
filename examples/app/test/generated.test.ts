// Snapshot of the module `sqc compile` generated from src/orders.sq: a change in the generated
// code shows up as a diff in review (update: `npx vitest run -u`).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('generated code of orders.sq', async () => {
  const code = readFileSync(new URL('../src/orders.ts', import.meta.url), 'utf8');
  await expect(code).toMatchFileSnapshot('./__snapshots__/orders.ts.snap');
});
