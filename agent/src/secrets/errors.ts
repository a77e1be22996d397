/**
 * Errors of the secrets layer. A closed set of codes, because callers react differently:
 * `open-failed` means the wrong key or a tampered value (the data is unusable, never returned
 * as garbage), `bad-format`/`unsupported-version` mean the stored text is not a sealed value
 * this build can read, `key-file` means the key itself is missing, malformed or exposed.
 * Messages never contain plaintext, keys or whole sealed values.
 */
export type SecretsErrorCode = 'open-failed' | 'bad-format' | 'unsupported-version' | 'key-file';

export class SecretsError extends Error {
  override readonly name = 'SecretsError';
  constructor(
    readonly code: SecretsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
