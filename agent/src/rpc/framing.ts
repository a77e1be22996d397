/**
 * Newline-delimited framing (agent/PROTOCOL.md "Framing"). LineSplitter cuts a byte stream into
 * lines on 0x0A — a byte that never occurs inside a multi-byte UTF-8 sequence, so splitting bytes
 * before decoding is safe — and refuses to buffer more than `maxBytes` of one line.
 */

export class LineSplitter {
  #chunks: Buffer[] = [];
  #size = 0;
  #stopped = false;

  /**
   * @param onLine called with each complete line, decoded, without `\n` or a trailing `\r`.
   * @param onOverflow called once when a line exceeds `maxBytes`; nothing is parsed after it.
   */
  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: (bytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (!this.#stopped) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      const size = this.#size + (end - start);
      if (size > this.maxBytes) {
        this.stop();
        this.onOverflow(size);
        return;
      }
      if (nl === -1) {
        if (end > start) {
          this.#chunks.push(start === 0 ? chunk : chunk.subarray(start));
          this.#size += end - start;
        }
        return;
      }
      const piece = chunk.subarray(start, nl);
      const line = this.#size === 0 ? piece : Buffer.concat([...this.#chunks, piece]);
      this.#chunks = [];
      this.#size = 0;
      start = nl + 1;
      const len = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
      this.onLine(line.toString('utf8', 0, len));
    }
  }

  /** Drops buffered bytes and ignores further input (the connection is closing). */
  stop(): void {
    this.#stopped = true;
    this.#chunks = [];
    this.#size = 0;
  }
}

/**
 * What a skipped line was, for the log — its kind and size, never its contents: a protocol line
 * can carry a private key (a config download, an import), and logs outlive sessions.
 */
export function describeLine(line: string): { kind: string; bytes: number } {
  let kind: string;
  try {
    const v: unknown = JSON.parse(line);
    kind = v === null ? 'JSON null' : Array.isArray(v) ? 'JSON array' : `JSON ${typeof v}`;
  } catch {
    kind = line.trim() === '' ? 'empty' : 'not JSON';
  }
  return { kind, bytes: Buffer.byteLength(line) };
}

/**
 * A warning a peer can trigger at line rate (garbage lines, invalid messages), logged at most
 * once per interval with the number held back since, so a flood cannot fill the logs.
 *
 * Design decision: callers pass lengths and counts, never a line's contents. A line that is not
 * a protocol message can be anything the channel carried — notably a sudo password that sudo did
 * not read (it stopped asking) and that went on to the agent's stdin.
 */
export class RateLimitedWarning {
  #last = -Infinity;
  #held = 0;

  constructor(
    private readonly emit: (fields: Record<string, unknown>) => void,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  hit(fields: Record<string, unknown>): void {
    const t = this.now();
    if (t - this.#last < this.intervalMs) {
      this.#held++;
      return;
    }
    this.#last = t;
    this.emit(this.#held > 0 ? { ...fields, heldBack: this.#held } : fields);
    this.#held = 0;
  }
}

/** Parses a line as a JSON object; anything else (invalid JSON, arrays, scalars) is null. */
export function parseObjectLine(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
