/** The compiler version, written into every generated module's header and checkpoint metadata. */
export const SQC_VERSION = '0.1.0';
