/**
 * The compiler's tools (chevrotain parses, prettier formats generated modules, TypeScript strips
 * their types for `sqc run`) are not dependencies of sqc: an app's production install
 * (the runtime and kafkajs) does not hold them; a development install adds them (`npm install -D
 * chevrotain prettier typescript`). Loaded on demand; a missing one is reported with the command
 * that installs it.
 */

/** Whether `error` says that package `name` is not installed. */
export function isMissingPackage(error: unknown, name: string): boolean {
  const e = error as NodeJS.ErrnoException;
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
    new RegExp(`['"]${name}['"]`).test(e.message)
  );
}

export const TOOLS = ['chevrotain', 'prettier', 'typescript'] as const;

/** The message for a missing tool. */
export function missingToolMessage(name: string, command: string): string {
  return (
    `${command}: needs the package "${name}", which is not installed. sqc's compiler uses ` +
    `${TOOLS.join(', ')} (development dependencies of the app, so that its production install stays small): ` +
    `install them as development dependencies with \`npm install -D ${TOOLS.join(' ')}\``
  );
}

/** Imports `load()`; on a missing tool prints how to install it and returns null. */
export async function withTools<T>(command: string, load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (e) {
    const missing = TOOLS.find((t) => isMissingPackage(e, t));
    if (!missing) throw e;
    console.error(missingToolMessage(missing, command));
    return null;
  }
}
