/**
 * Rules ⇄ expressions: `buildExpressions` compiles a RuleSpec into the expressions nft 1.0.6
 * generates for the same rule text, and `recognizeRule` folds a kernel expression list back
 * into a RuleSpec. Pure; golden-tested against nft's batches.
 *
 * Design decisions (all copied from nft so that `nft list` prints our rules as the text we
 * document, and nft's own rules decode into the same types):
 * - Interface names compare all 16 bytes (IFNAMSIZ, NUL-padded): an exact match, not nft's
 *   `eth*` wildcard, which compares a shorter prefix.
 * - In an `inet` table, `ip saddr` would read the IPv6 header just the same, so every rule with
 *   address matches first checks `meta nfproto ipv4|ipv6` (nft's implicit dependency), once.
 * - Prefixes: a full-length address is compared whole; a byte-aligned prefix loads only its
 *   bytes (10.0.0.0/24 → 3-byte load, no mask); anything else loads the whole address and
 *   masks it with `bitwise` (mask/xor) before comparing.
 */
import { AF_INET } from '../../wire/uapi/socket.js';
import { formatIp, parseIp, parsePrefix, WireError } from '../../wire/index.js';
import { NftablesInputError } from './errors.js';
import type { Expr } from './expr.js';
import type { CtState, RuleAction, RuleMatch, RuleSpec } from './types.js';
import { endianness } from 'node:os';
import {
  NF_ACCEPT,
  NF_CT_STATE_ESTABLISHED_BIT,
  NF_CT_STATE_INVALID_BIT,
  NF_CT_STATE_NEW_BIT,
  NF_CT_STATE_RELATED_BIT,
  NF_DROP,
  NFPROTO_IPV4,
  NFPROTO_IPV6,
  NFT_CMP_EQ,
  NFT_CMP_NEQ,
  NFT_CT_STATE,
  NFT_META_IIFNAME,
  NFT_META_NFPROTO,
  NFT_META_OIFNAME,
  NFT_PAYLOAD_NETWORK_HEADER,
  NFT_REG_1,
  NFT_REG_VERDICT,
} from './uapi.js';

/** The bit each `ct state` name tests, in nft's print order. */
const CT_STATE_BITS: ReadonlyArray<[CtState, number]> = [
  ['invalid', NF_CT_STATE_INVALID_BIT],
  ['established', NF_CT_STATE_ESTABLISHED_BIT],
  ['related', NF_CT_STATE_RELATED_BIT],
  ['new', NF_CT_STATE_NEW_BIT],
];

/** ct state is a host-endian u32 register value (nft prints the mask as 0x00000006). */
function hostU32(value: number): Buffer {
  const b = Buffer.alloc(4);
  if (endianness() === 'LE') b.writeUInt32LE(value >>> 0);
  else b.writeUInt32BE(value >>> 0);
  return b;
}

function readHostU32(b: Buffer): number {
  return endianness() === 'LE' ? b.readUInt32LE(0) : b.readUInt32BE(0);
}

/** IFNAMSIZ: interface names are at most 15 bytes plus the NUL the kernel compares too. */
export const IFNAMSIZ = 16;

/** Where saddr/daddr sit in the IPv4 (RFC 791) and IPv6 (RFC 8200) headers. */
const FIELDS = {
  4: { bytes: 4, saddr: 12, daddr: 16, nfproto: NFPROTO_IPV4 },
  6: { bytes: 16, saddr: 8, daddr: 24, nfproto: NFPROTO_IPV6 },
} as const;

/**
 * validateInterfaceName applies the kernel's dev_valid_name(): 1..15 bytes, not "." or "..",
 * no '/', ':' or whitespace. nft would silently accept a longer name and never match.
 */
export function validateInterfaceName(field: string, name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes >= IFNAMSIZ) throw new NftablesInputError(field, `interface name '${name}' must be 1..15 bytes`);
  if (name === '.' || name === '..' || /[/:\s\0]/.test(name)) {
    throw new NftablesInputError(field, `'${name}' is not a valid interface name`);
  }
}

interface Prefix {
  version: 4 | 6;
  address: Buffer;
  length: number;
}

/** parseCidr parses a canonical CIDR; host bits must be zero (a typo there is a different rule). */
export function parseCidr(field: string, text: string): Prefix {
  let p;
  try {
    p = parsePrefix(text);
  } catch (err) {
    throw new NftablesInputError(field, err instanceof WireError ? err.message : `invalid prefix '${text}'`, { cause: err });
  }
  const address = parseIp(p.address);
  const masked = maskBytes(address, p.prefixLength);
  if (!masked.equals(address)) {
    throw new NftablesInputError(field, `'${text}' has host bits set (did you mean ${formatIp(masked)}/${p.prefixLength}?)`);
  }
  return { version: p.family === AF_INET ? 4 : 6, address, length: p.prefixLength };
}

function maskOf(bytes: number, length: number): Buffer {
  const m = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) {
    const bits = Math.max(0, Math.min(8, length - i * 8));
    m[i] = (0xff00 >> bits) & 0xff;
  }
  return m;
}

function maskBytes(address: Buffer, length: number): Buffer {
  const m = maskOf(address.length, length);
  return Buffer.from(address.map((b, i) => b & (m[i] ?? 0)));
}

function ifnameData(name: string): Buffer {
  const b = Buffer.alloc(IFNAMSIZ);
  b.write(name, 'utf8');
  return b;
}

/** buildExpressions compiles a rule the way nft does (see the design notes above). */
export function buildExpressions(spec: RuleSpec): Expr[] {
  const out: Expr[] = [];
  let version: 4 | 6 | undefined;
  for (const m of spec.matches) {
    if (m.kind === 'iifname' || m.kind === 'oifname') {
      validateInterfaceName(m.kind, m.name);
      out.push({ kind: 'meta', key: m.kind === 'iifname' ? NFT_META_IIFNAME : NFT_META_OIFNAME, dreg: NFT_REG_1 });
      out.push({ kind: 'cmp', sreg: NFT_REG_1, op: m.negate ? NFT_CMP_NEQ : NFT_CMP_EQ, data: ifnameData(m.name) });
      continue;
    }
    if (m.kind === 'ctstate') {
      // nft: `ct load state => reg 1; bitwise reg 1 = (reg 1 & bits) ^ 0; cmp neq reg 1 0`.
      const bits = ctStateBits(m.states);
      out.push({ kind: 'ct', key: NFT_CT_STATE, dreg: NFT_REG_1 });
      out.push({ kind: 'bitwise', sreg: NFT_REG_1, dreg: NFT_REG_1, len: 4, mask: hostU32(bits), xor: Buffer.alloc(4) });
      out.push({ kind: 'cmp', sreg: NFT_REG_1, op: NFT_CMP_NEQ, data: Buffer.alloc(4) });
      continue;
    }
    const p = parseCidr(m.kind, m.prefix);
    if (version !== undefined && version !== p.version) {
      throw new NftablesInputError(m.kind, `'${m.prefix}' mixes IPv${p.version} with IPv${version} in one rule`);
    }
    const f = FIELDS[p.version];
    if (version === undefined) {
      out.push({ kind: 'meta', key: NFT_META_NFPROTO, dreg: NFT_REG_1 });
      out.push({ kind: 'cmp', sreg: NFT_REG_1, op: NFT_CMP_EQ, data: Buffer.from([f.nfproto]) });
      version = p.version;
    }
    const offset = f[m.kind];
    const whole = p.length === f.bytes * 8;
    if (whole || (p.length > 0 && p.length % 8 === 0)) {
      const len = p.length / 8;
      out.push({ kind: 'payload', base: NFT_PAYLOAD_NETWORK_HEADER, offset, len, dreg: NFT_REG_1 });
      out.push({ kind: 'cmp', sreg: NFT_REG_1, op: NFT_CMP_EQ, data: p.address.subarray(0, len) });
    } else {
      out.push({ kind: 'payload', base: NFT_PAYLOAD_NETWORK_HEADER, offset, len: f.bytes, dreg: NFT_REG_1 });
      out.push({
        kind: 'bitwise', sreg: NFT_REG_1, dreg: NFT_REG_1, len: f.bytes,
        mask: maskOf(f.bytes, p.length), xor: Buffer.alloc(f.bytes),
      });
      out.push({ kind: 'cmp', sreg: NFT_REG_1, op: NFT_CMP_EQ, data: p.address });
    }
  }
  if (spec.counter ?? true) out.push({ kind: 'counter' });
  if (spec.action === 'masquerade') out.push({ kind: 'masq' });
  else out.push({ kind: 'immediate', dreg: NFT_REG_VERDICT, verdict: spec.action === 'accept' ? NF_ACCEPT : NF_DROP });
  return out;
}

/** RecognizedRule is what recognizeRule could read; `recognized` is false on anything foreign. */
export interface RecognizedRule {
  matches: RuleMatch[];
  counter: boolean;
  packets?: bigint;
  bytes?: bigint;
  action?: RuleAction;
  recognized: boolean;
}

/** recognizeRule folds expressions built by buildExpressions (or by nft from the same text). */
export function recognizeRule(exprs: readonly Expr[]): RecognizedRule {
  const r: RecognizedRule = { matches: [], counter: false, recognized: false };
  let version: 4 | 6 | undefined;
  let i = 0;
  const at = (k: number): Expr | undefined => exprs[i + k];
  const isCmpEq = (e: Expr | undefined): e is Extract<Expr, { kind: 'cmp' }> =>
    e?.kind === 'cmp' && e.op === NFT_CMP_EQ && e.sreg === NFT_REG_1;
  const isCmpNeq = (e: Expr | undefined): e is Extract<Expr, { kind: 'cmp' }> =>
    e?.kind === 'cmp' && e.op === NFT_CMP_NEQ && e.sreg === NFT_REG_1;
  while (i < exprs.length) {
    const e = exprs[i];
    if (!e || r.action !== undefined) return r; // nothing may follow the action
    if (e.kind === 'meta' && e.dreg === NFT_REG_1) {
      const cmp = at(1);
      const negatedName = isCmpNeq(cmp) && (e.key === NFT_META_IIFNAME || e.key === NFT_META_OIFNAME);
      if (!isCmpEq(cmp) && !negatedName) return r;
      if (!cmp || cmp.kind !== 'cmp') return r;
      if (e.key === NFT_META_NFPROTO && cmp.data.length === 1) {
        version = cmp.data[0] === NFPROTO_IPV4 ? 4 : cmp.data[0] === NFPROTO_IPV6 ? 6 : undefined;
        if (version === undefined) return r;
      } else if ((e.key === NFT_META_IIFNAME || e.key === NFT_META_OIFNAME) && cmp.data.length === IFNAMSIZ) {
        const nul = cmp.data.indexOf(0);
        if (nul <= 0) return r; // no NUL: not an exact-name match
        const kind = e.key === NFT_META_IIFNAME ? 'iifname' : 'oifname';
        const name = cmp.data.toString('utf8', 0, nul);
        r.matches.push(negatedName ? { kind, name, negate: true } : { kind, name });
      } else {
        return r;
      }
      i += 2;
    } else if (e.kind === 'ct' && e.key === NFT_CT_STATE && e.dreg === NFT_REG_1) {
      const mask = at(1);
      const cmp = at(2);
      if (mask?.kind !== 'bitwise' || mask.len !== 4 || mask.xor.some((b) => b !== 0) || !isCmpNeq(cmp) || cmp.data.some((b) => b !== 0)) return r;
      const states = ctStates(readHostU32(mask.mask));
      if (states === undefined) return r;
      r.matches.push({ kind: 'ctstate', states });
      i += 3;
    } else if (e.kind === 'payload') {
      const used = recognizePrefix(exprs, i, version, r.matches);
      if (used === 0) return r;
      i += used;
    } else if (e.kind === 'counter') {
      r.counter = true;
      if (e.packets !== undefined) r.packets = e.packets;
      if (e.bytes !== undefined) r.bytes = e.bytes;
      i += 1;
    } else if (e.kind === 'masq' && e.flags === undefined) {
      r.action = 'masquerade';
      i += 1;
    } else if (e.kind === 'immediate' && e.dreg === NFT_REG_VERDICT && (e.verdict === NF_ACCEPT || e.verdict === NF_DROP)) {
      r.action = e.verdict === NF_ACCEPT ? 'accept' : 'drop';
      i += 1;
    } else {
      return r;
    }
  }
  r.recognized = r.action !== undefined;
  return r;
}

/** recognizePrefix reads payload [+ bitwise] + cmp at exprs[i]; returns how many it used (0: none). */
function recognizePrefix(exprs: readonly Expr[], i: number, version: 4 | 6 | undefined, out: RuleMatch[]): number {
  const load = exprs[i];
  if (version === undefined || load?.kind !== 'payload' || load.base !== NFT_PAYLOAD_NETWORK_HEADER || load.dreg !== NFT_REG_1) {
    return 0;
  }
  const f = FIELDS[version];
  const kind = load.offset === f.saddr ? 'saddr' : load.offset === f.daddr ? 'daddr' : undefined;
  if (!kind || load.len < 1 || load.len > f.bytes) return 0;
  let next = exprs[i + 1];
  let length = load.len * 8;
  let used = 2;
  if (next?.kind === 'bitwise') {
    const ones = contiguousOnes(next.mask);
    if (load.len !== f.bytes || next.len !== f.bytes || next.sreg !== NFT_REG_1 || next.dreg !== NFT_REG_1) return 0;
    if (ones === undefined || next.xor.some((b) => b !== 0) || (next.op !== undefined && next.op !== 0)) return 0;
    length = ones;
    next = exprs[i + 2];
    used = 3;
  }
  if (next?.kind !== 'cmp' || next.op !== NFT_CMP_EQ || next.sreg !== NFT_REG_1 || next.data.length !== load.len) return 0;
  const address = Buffer.alloc(f.bytes);
  next.data.copy(address);
  out.push({ kind, prefix: `${formatIp(address)}/${length}` });
  return used;
}

function ctStateBits(states: readonly CtState[]): number {
  if (states.length === 0) throw new NftablesInputError('ctstate', 'ct state needs at least one state');
  let bits = 0;
  for (const s of states) {
    const bit = CT_STATE_BITS.find(([name]) => name === s)?.[1];
    if (bit === undefined) throw new NftablesInputError('ctstate', `unknown ct state '${String(s)}'`);
    bits |= bit;
  }
  return bits;
}

/** ctStates names the bits of a `ct state` mask; undefined when a bit has no name here. */
function ctStates(bits: number): CtState[] | undefined {
  const states = CT_STATE_BITS.filter(([, bit]) => (bits & bit) !== 0).map(([name]) => name);
  const known = CT_STATE_BITS.reduce((acc, [, bit]) => acc | bit, 0);
  return states.length === 0 || (bits & ~known) !== 0 ? undefined : states;
}

/** contiguousOnes returns the prefix length of a mask like ff.ff.f0.00, undefined if not a prefix. */
function contiguousOnes(mask: Buffer): number | undefined {
  let n = 0;
  while (n < mask.length * 8 && ((mask[n >> 3] ?? 0) & (0x80 >> (n & 7))) !== 0) n++;
  return maskOf(mask.length, n).equals(mask) ? n : undefined;
}
