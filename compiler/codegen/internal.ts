/**
 * Code generation renders a plan that `analyze` accepted, so it never reports user errors: every
 * user-facing check lives in the checker. A plan it cannot render is a compiler bug, thrown as an
 * `InternalError`, which `emit` turns into SQ9999 "internal compiler error ... please report".
 */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}

/** Stops code generation on a plan the checker should have refused (a bug in sqc). */
export function internal(message: string): never {
  throw new InternalError(message);
}
