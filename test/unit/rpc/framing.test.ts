/**
 * The agent's line splitter (agent/src/rpc/framing.ts): lines split at any byte boundary, CRLF,
 * multi-byte UTF-8 cut across chunks, and the overflow bound. The desktop link's own splitter
 * is exercised through the link in limits.test.ts (byte-at-a-time feed, 100 MB line).
 */
import { describe, expect, it } from 'vitest';
import { describeLine, LineSplitter, parseObjectLine, RateLimitedWarning } from '../../../agent/src/rpc/framing.js';

function split(chunks: Buffer[], max = 1024) {
  const lines: string[] = [];
  const overflows: number[] = [];
  const s = new LineSplitter(max, (l) => lines.push(l), (n) => overflows.push(n));
  for (const c of chunks) s.push(c);
  return { lines, overflows };
}

describe('LineSplitter', () => {
  it('cuts lines at every possible chunk boundary, including inside multi-byte characters', () => {
    const text = Buffer.from('{"a":"ü"}\r\n{"b":"🚀"}\n\nlast');
    for (let cut = 0; cut <= text.length; cut++) {
      const { lines } = split([text.subarray(0, cut), text.subarray(cut)]);
      expect(lines).toEqual(['{"a":"ü"}', '{"b":"🚀"}', '']);
    }
  });

  it('keeps an unterminated tail until its newline arrives', () => {
    const { lines } = split([Buffer.from('par'), Buffer.from('tial'), Buffer.from('\nnext\n')]);
    expect(lines).toEqual(['partial', 'next']);
  });

  it('reports a line over the limit once and then ignores everything', () => {
    const { lines, overflows } = split([Buffer.from('ok\n'), Buffer.alloc(600, 0x61), Buffer.alloc(600, 0x61), Buffer.from('\nmore\n')], 1000);
    expect(lines).toEqual(['ok']);
    expect(overflows).toEqual([1200]);
  });

  it('accepts a line of exactly the limit', () => {
    const { lines, overflows } = split([Buffer.alloc(1000, 0x62), Buffer.from('\n')], 1000);
    expect(lines).toHaveLength(1);
    expect(overflows).toEqual([]);
  });
});

describe('parseObjectLine / describeLine / RateLimitedWarning', () => {
  it('accepts JSON objects only', () => {
    expect(parseObjectLine('{"id":1}')).toEqual({ id: 1 });
    for (const bad of ['', 'null', '[1]', '"s"', '3', '{bad', 'Welcome!']) expect(parseObjectLine(bad)).toBeNull();
  });

  it('describes a skipped line by kind and size, never by its contents', () => {
    expect(describeLine('Welcome to host!')).toEqual({ kind: 'not JSON', bytes: 16 });
    expect(describeLine('[1,2]')).toEqual({ kind: 'JSON array', bytes: 5 });
    expect(describeLine('"privateKey=abc"')).toEqual({ kind: 'JSON string', bytes: 16 });
    expect(describeLine('')).toEqual({ kind: 'empty', bytes: 0 });
    expect(JSON.stringify(describeLine('secret words'))).not.toContain('secret');
  });

  it('warns at most once per interval, then says how many it held back', () => {
    let now = 0;
    const seen: Record<string, unknown>[] = [];
    const w = new RateLimitedWarning((f) => seen.push(f), 1_000, () => now);
    for (let i = 0; i < 500; i++) w.hit({ bytes: i });
    now = 999;
    w.hit({ bytes: 1 });
    now = 1_000;
    w.hit({ bytes: 2 });
    expect(seen).toEqual([{ bytes: 0 }, { bytes: 2, heldBack: 500 }]);
  });
});
