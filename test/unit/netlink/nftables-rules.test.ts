/**
 * Rules ⇄ expressions properties (seeded PRNG), input validation, userdata TLVs and the reading
 * of batch replies — the pure parts of the nftables family.
 */
import { describe, expect, it } from 'vitest';
import { NetlinkError } from '../../../agent/src/netlink/conn/index.js';
import {
  BATCH_OP,
  NftablesInputError,
  buildExpressions,
  canonicalPrefix,
  decodeComment,
  decodeExpressions,
  decodeUdata,
  encodeComment,
  encodeExpressions,
  encodeUdata,
  formatRule,
  forwardCidrsRule,
  forwardInterfacesRule,
  masqueradeRule,
  messages as M,
  readBatchReplies,
  recognizeRule,
  type BatchStep,
  type RuleMatch,
  type RuleSpec,
} from '../../../agent/src/netlink/families/nftables/index.js';
import { AttributeDecoder, encodeNlmsgerr, formatIp, type NetlinkMessage } from '../../../agent/src/netlink/wire/index.js';
import { NLMSG_ERROR } from '../../../agent/src/netlink/wire/uapi/netlink.js';
import { PROPERTY_RUNS, type Prng, forSeeds } from '../../support/prng.js';

function randomPrefix(rng: Prng, version: 4 | 6): string {
  const bits = version === 4 ? 32 : 128;
  const len = rng.int(0, bits);
  const bytes = version === 4 ? rng.bytes(4) : rng.ipv6Bytes();
  for (let i = 0; i < bits; i++) if (i >= len) bytes[i >> 3] = (bytes[i >> 3] ?? 0) & ~(0x80 >> (i & 7));
  return `${formatIp(bytes)}/${len}`;
}

function randomIfname(rng: Prng): string {
  return rng.string(1, 15).replace(/[/:]/g, 'x');
}

function randomSpec(rng: Prng): RuleSpec {
  const version = rng.pick([4, 6] as const);
  const matches: RuleMatch[] = [];
  for (let n = rng.int(0, 4); n > 0; n--) {
    const kind = rng.pick(['iifname', 'oifname', 'saddr', 'daddr'] as const);
    matches.push(kind === 'iifname' || kind === 'oifname' ? { kind, name: randomIfname(rng) } : { kind, prefix: randomPrefix(rng, version) });
  }
  return { chain: 'forward', matches, counter: rng.bool(), action: rng.pick(['accept', 'drop', 'masquerade'] as const) };
}

const roundTrip = (spec: RuleSpec) => recognizeRule(decodeExpressions(new AttributeDecoder(encodeExpressions(buildExpressions(spec)))));

describe('rule expressions', () => {
  it('recognize(decode(encode(build(spec)))) is the spec', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const spec = randomSpec(rng);
      expect(roundTrip(spec)).toEqual({ matches: spec.matches, counter: spec.counter, action: spec.action, recognized: true });
    });
  });

  it('encode(decode(bytes)) is the same bytes', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const bytes = encodeExpressions(buildExpressions(randomSpec(rng)));
      expect(encodeExpressions(decodeExpressions(new AttributeDecoder(bytes))).toString('hex')).toBe(bytes.toString('hex'));
    });
  });

  it('checks the IP family once per rule, before the first address match', () => {
    const exprs = buildExpressions(forwardCidrsRule({ source: '10.1.0.0/16', destination: '10.2.0.0/16' }));
    expect(exprs.map((e) => e.kind)).toEqual(['meta', 'cmp', 'payload', 'cmp', 'payload', 'cmp', 'counter', 'immediate']);
  });

  it('keeps unknown expressions and marks the rule unrecognized', () => {
    const exprs = buildExpressions(masqueradeRule({ outInterface: 'eth0', source: '10.0.0.0/8' }));
    exprs.splice(2, 0, { kind: 'unknown', name: 'limit', data: Buffer.from('0c0001000000000000000001', 'hex') });
    const decoded = decodeExpressions(new AttributeDecoder(encodeExpressions(exprs)));
    expect(decoded[2]).toEqual(exprs[2]);
    expect(recognizeRule(decoded)).toMatchObject({ recognized: false, matches: [{ kind: 'oifname', name: 'eth0' }] });
  });

  it('does not read a wildcard interface match (no NUL) as an exact name', () => {
    const exprs = buildExpressions(forwardInterfacesRule({ inInterface: 'wg0', outInterface: 'eth0' }));
    const cmp = exprs[1];
    if (cmp?.kind !== 'cmp') throw new Error('expected cmp');
    cmp.data = Buffer.from('wg'); // nft's `iifname "wg*"`
    expect(recognizeRule(exprs).recognized).toBe(false);
  });
});

describe('input validation (before anything reaches the kernel)', () => {
  it.each(['', 'sixteen-chars-xx', 'a/b', 'a:b', 'a b', '.', '..', 'tab\t'])('rejects interface name %j', (name) => {
    expect(() => forwardInterfacesRule({ inInterface: name, outInterface: 'eth0' })).toThrow(NftablesInputError);
    expect(() => buildExpressions({ chain: 'forward', matches: [{ kind: 'oifname', name }], action: 'accept' })).toThrow(NftablesInputError);
  });

  it('accepts 15-byte names', () => {
    expect(() => forwardInterfacesRule({ inInterface: 'fifteen-chars-x', outInterface: 'eth0' })).not.toThrow();
  });

  it('rejects host bits, bad prefixes and mixed families', () => {
    expect(() => masqueradeRule({ outInterface: 'eth0', source: '10.0.0.1/24' })).toThrow(/host bits set \(did you mean 10.0.0.0\/24\?\)/);
    expect(() => masqueradeRule({ outInterface: 'eth0', source: '10.0.0.0/33' })).toThrow(NftablesInputError);
    expect(() => masqueradeRule({ outInterface: 'eth0', source: 'nonsense' })).toThrow(NftablesInputError);
    expect(() => forwardCidrsRule({ source: '10.0.0.0/8', destination: 'fd00::/8' })).toThrow(/mixes IPv6 with IPv4/);
  });

  it('canonicalizes prefixes as the kernel lists them', () => {
    expect(canonicalPrefix('x', '192.168.1.7')).toBe('192.168.1.7/32');
    expect(canonicalPrefix('x', 'FD00:0::/16')).toBe('fd00::/16');
  });

  it('formats rules as nft prints them', () => {
    expect(formatRule(masqueradeRule({ outInterface: 'eth0', source: '10.0.0.0/24', comment: 'wgpilot:net=3:masq' }))).toBe(
      'oifname "eth0" ip saddr 10.0.0.0/24 counter masquerade comment "wgpilot:net=3:masq"',
    );
    expect(formatRule(forwardCidrsRule({ source: 'fd00::/64', destination: 'fd01::1', action: 'drop' }))).toBe(
      'ip6 saddr fd00::/64 ip6 daddr fd01::1 counter drop',
    );
  });
});

describe('rule comments (userdata TLVs)', () => {
  it('round-trips comments and keeps other TLVs', () => {
    forSeeds(PROPERTY_RUNS, (rng) => {
      const comment = rng.string(1, 128);
      expect(decodeComment(encodeComment(comment))).toBe(comment);
      const tlvs = [{ type: 1, value: rng.bytes(rng.int(0, 20)) }, { type: 0, value: Buffer.from(`${comment}\0`) }];
      expect(decodeUdata(encodeUdata(tlvs))).toEqual(tlvs);
    });
  });

  it('rejects comments nft would reject and truncated TLVs', () => {
    expect(() => encodeComment('x'.repeat(129))).toThrow(/128/);
    expect(() => encodeComment('')).toThrow();
    expect(() => encodeComment('a\0b')).toThrow(/NUL/);
    expect(() => decodeUdata(Buffer.from([0, 5, 0x41]))).toThrow(/past the end/);
  });
});

describe('readBatchReplies', () => {
  const steps: BatchStep[] = [
    { request: M.newTable('t'), op: 'nft add table inet t' },
    { request: M.delRule('t', 'c', 7), op: 'nft delete rule inet t c handle 7' },
    { request: M.delRule('t', 'c', 8), op: 'nft delete rule inet t c handle 8' },
  ];
  const seqs = [100, 101, 102, 103, 104];
  const error = (seq: number, errno: number): NetlinkMessage => {
    const e = encodeNlmsgerr({ error: -errno, request: { length: 16, type: 0, flags: 0, seq, pid: 0 } });
    return { header: { length: 16 + e.data.length, type: NLMSG_ERROR, flags: e.flags, seq, pid: 9 }, data: Buffer.from(e.data) };
  };

  it('returns echoes per step and ignores ACKs and foreign seqs', () => {
    const echo: NetlinkMessage = { header: { length: 20, type: 0xa06, flags: 0, seq: 102, pid: 9 }, data: Buffer.alloc(4) };
    const out = readBatchReplies(steps, seqs, [error(101, 0), echo, error(55, 2)]);
    expect(out.echoes.map((e) => e.length)).toEqual([0, 1, 0]);
  });

  it('throws the first failing message, named like nft', () => {
    expect(() => readBatchReplies(steps, seqs, [error(103, 2), error(102, 2)])).toThrow(
      expect.objectContaining({ code: 'ENOENT', seq: 102, op: 'nft delete rule inet t c handle 7 (batch message 2 of 3)' }),
    );
  });

  it('reports batch-wide errors (on BEGIN) first, as nft batch', () => {
    let err: unknown;
    try {
      readBatchReplies(steps, seqs, [error(102, 2), error(100, 1)]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: 'EPERM', op: BATCH_OP, message: 'Operation not permitted' });
  });
});
