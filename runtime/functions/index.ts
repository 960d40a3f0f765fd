/**
 * The scalar-function and value-conversion library that generated code calls (as `fn.*`) for
 * everything too large to inline: string, number, time and JSON functions, casts, and the
 * helpers of the generated record decoders and encoders.
 *
 * Conventions: arguments are never NULL (generated code tests for NULL first, since SQL
 * functions are NULL when an argument is NULL); functions that can produce NULL from non-NULL
 * arguments say so in their return type. Run-time SQL errors are `SqlRuntimeError`s.
 */
export * from './errors.ts';
export * from './numbers.ts';
export * from './strings.ts';
export * from './time.ts';
export * from './convert.ts';
export * from './collections.ts';
export * from './json.ts';
export * from './json-scan.ts';
export * from './json-bytes.ts';
