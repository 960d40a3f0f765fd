/**
 * Formats a generated module with prettier. Prettier walks the syntax tree recursively, and
 * long operator chains (`a || b || ...`: prettier makes every logical chain left-deep) or deeply
 * nested calls overflow the default stack at a few hundred operands, well inside what `sqc check`
 * accepts. When that happens the module is formatted again in a worker thread with a large
 * stack; the result is the same text, only computed where the recursion fits.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { format, type Options } from 'prettier';

/** Stack of the formatting worker: enough for the largest statements sq accepts (grammar/limits.ts). */
const STACK_MB = 256;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
require(workerData.prettier)
  .format(workerData.text, workerData.options)
  .then(
    (code) => parentPort.postMessage({ code }),
    (e) => parentPort.postMessage({ error: String((e && e.message) || e) }),
  );
`;

export async function formatModule(text: string, options: Options): Promise<string> {
  try {
    return await format(text, options);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  return formatWithLargeStack(text, options);
}

function formatWithLargeStack(text: string, options: Options): Promise<string> {
  const prettier = createRequire(import.meta.url).resolve('prettier');
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { prettier, text, options },
      resourceLimits: { stackSizeMb: STACK_MB },
    });
    worker.once('message', (m: { code?: string; error?: string }) => {
      void worker.terminate();
      if (m.code !== undefined) resolve(m.code);
      else reject(new Error(m.error ?? 'prettier failed'));
    });
    worker.once('error', reject);
  });
}
