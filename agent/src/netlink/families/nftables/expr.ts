/**
 * nf_tables expressions: the typed form of NFTA_RULE_EXPRESSIONS. Each list element is
 * `NFTA_LIST_ELEM { NFTA_EXPR_NAME "cmp", NFTA_EXPR_DATA { NFTA_CMP_* ... } }`; all integers
 * inside are big-endian u32 (registers, offsets, lengths, ops, verdict codes) except counters
 * (big-endian u64), and data values are raw bytes in `NFTA_DATA_VALUE`.
 *
 * Encoding reproduces nft 1.0.6 byte for byte (attribute order, NLA_F_NESTED on every nest):
 * the golden fixtures are nft's own batches. Decoding also accepts the kernel's dump form, which
 * sets no NLA_F_NESTED, adds NFTA_BITWISE_OP, and fills counter values. Expressions this module
 * does not model are kept as `unknown` with their raw data, never thrown on.
 */
import { type AttributeDecoder, AttributeEncoder, WireError } from '../../wire/index.js';
import {
  NFTA_BITWISE_DREG,
  NFTA_BITWISE_LEN,
  NFTA_BITWISE_MASK,
  NFTA_BITWISE_OP,
  NFTA_BITWISE_SREG,
  NFTA_BITWISE_XOR,
  NFTA_CMP_DATA,
  NFTA_CMP_OP,
  NFTA_CMP_SREG,
  NFTA_COUNTER_BYTES,
  NFTA_CT_DREG,
  NFTA_CT_KEY,
  NFTA_COUNTER_PACKETS,
  NFTA_DATA_VALUE,
  NFTA_DATA_VERDICT,
  NFTA_EXPR_DATA,
  NFTA_EXPR_NAME,
  NFTA_IMMEDIATE_DATA,
  NFTA_IMMEDIATE_DREG,
  NFTA_LIST_ELEM,
  NFTA_MASQ_FLAGS,
  NFTA_META_DREG,
  NFTA_META_KEY,
  NFTA_PAYLOAD_BASE,
  NFTA_PAYLOAD_DREG,
  NFTA_PAYLOAD_LEN,
  NFTA_PAYLOAD_OFFSET,
  NFTA_VERDICT_CODE,
} from './uapi.js';

/** Expr is one expression; `unknown` keeps anything else verbatim. */
export type Expr =
  | { kind: 'meta'; key: number; dreg: number }
  | { kind: 'cmp'; sreg: number; op: number; data: Buffer }
  | { kind: 'payload'; base: number; offset: number; len: number; dreg: number }
  | { kind: 'bitwise'; sreg: number; dreg: number; len: number; mask: Buffer; xor: Buffer; op?: number }
  | { kind: 'counter'; bytes?: bigint; packets?: bigint }
  | { kind: 'masq'; flags?: number }
  /** `ct load <key> => reg`: conntrack facts of the packet's flow (key NFT_CT_STATE, …). */
  | { kind: 'ct'; key: number; dreg: number }
  | { kind: 'immediate'; dreg: number; verdict: number }
  | { kind: 'unknown'; name: string; data: Buffer };

/** encodeExpressions writes the payload of NFTA_RULE_EXPRESSIONS (a list of NFTA_LIST_ELEM). */
export function encodeExpressions(exprs: readonly Expr[]): Buffer {
  const list = new AttributeEncoder();
  for (const e of exprs) {
    list.nested(NFTA_LIST_ELEM, (el) => {
      el.string(NFTA_EXPR_NAME, exprName(e));
      if (e.kind === 'unknown') el.bytes(NFTA_EXPR_DATA, e.data);
      else el.nested(NFTA_EXPR_DATA, (d) => encodeData(d, e));
    });
  }
  return list.finish();
}

function exprName(e: Expr): string {
  return e.kind === 'unknown' ? e.name : e.kind;
}

function value(enc: AttributeEncoder, type: number, bytes: Buffer): void {
  enc.nested(type, (v) => v.bytes(NFTA_DATA_VALUE, bytes));
}

function encodeData(d: AttributeEncoder, e: Exclude<Expr, { kind: 'unknown' }>): void {
  switch (e.kind) {
    case 'meta':
      d.be32(NFTA_META_KEY, e.key).be32(NFTA_META_DREG, e.dreg);
      return;
    case 'cmp':
      d.be32(NFTA_CMP_SREG, e.sreg).be32(NFTA_CMP_OP, e.op);
      value(d, NFTA_CMP_DATA, e.data);
      return;
    case 'payload':
      d.be32(NFTA_PAYLOAD_DREG, e.dreg).be32(NFTA_PAYLOAD_BASE, e.base);
      d.be32(NFTA_PAYLOAD_OFFSET, e.offset).be32(NFTA_PAYLOAD_LEN, e.len);
      return;
    case 'bitwise':
      d.be32(NFTA_BITWISE_SREG, e.sreg).be32(NFTA_BITWISE_DREG, e.dreg).be32(NFTA_BITWISE_LEN, e.len);
      if (e.op !== undefined) d.be32(NFTA_BITWISE_OP, e.op);
      value(d, NFTA_BITWISE_MASK, e.mask);
      value(d, NFTA_BITWISE_XOR, e.xor);
      return;
    case 'counter':
      // A new counter is sent empty (nft does); values only appear in dumps.
      if (e.bytes !== undefined) d.be64(NFTA_COUNTER_BYTES, e.bytes);
      if (e.packets !== undefined) d.be64(NFTA_COUNTER_PACKETS, e.packets);
      return;
    case 'masq':
      if (e.flags !== undefined) d.be32(NFTA_MASQ_FLAGS, e.flags);
      return;
    case 'ct':
      // libnftnl's order: key, then register.
      d.be32(NFTA_CT_KEY, e.key).be32(NFTA_CT_DREG, e.dreg);
      return;
    case 'immediate':
      d.be32(NFTA_IMMEDIATE_DREG, e.dreg);
      // Verdict codes are signed (NFT_JUMP = -3); on the wire a big-endian 32-bit pattern.
      d.nested(NFTA_IMMEDIATE_DATA, (data) => data.nested(NFTA_DATA_VERDICT, (v) => v.be32(NFTA_VERDICT_CODE, e.verdict >>> 0)));
      return;
  }
}

/** decodeExpressions reads the payload of NFTA_RULE_EXPRESSIONS. */
export function decodeExpressions(list: AttributeDecoder): Expr[] {
  const out: Expr[] = [];
  for (const el of list) {
    if (el.type !== NFTA_LIST_ELEM) continue;
    const attrs = el.nested();
    const name = attrs.string(NFTA_EXPR_NAME);
    if (name === undefined) throw new WireError('expression without NFTA_EXPR_NAME', el.offset);
    const data = attrs.get(NFTA_EXPR_DATA);
    out.push(decodeExpr(name, data?.nested(), data?.bytes() ?? Buffer.alloc(0)));
  }
  return out;
}

function u32(d: AttributeDecoder | undefined, type: number, what: string): number {
  const v = d?.be32(type);
  if (v === undefined) throw new WireError(`${what}: attribute ${type} missing`);
  return v;
}

function dataValue(d: AttributeDecoder | undefined, type: number, what: string): Buffer {
  const v = d?.nested(type)?.bytes(NFTA_DATA_VALUE);
  if (v === undefined) throw new WireError(`${what}: data attribute ${type} missing`);
  return v;
}

function decodeExpr(name: string, d: AttributeDecoder | undefined, raw: Buffer): Expr {
  switch (name) {
    case 'meta':
      if (!d?.has(NFTA_META_DREG)) break; // a meta *set* (SREG): not modelled
      return { kind: 'meta', key: u32(d, NFTA_META_KEY, name), dreg: u32(d, NFTA_META_DREG, name) };
    case 'cmp':
      return {
        kind: 'cmp',
        sreg: u32(d, NFTA_CMP_SREG, name),
        op: u32(d, NFTA_CMP_OP, name),
        data: dataValue(d, NFTA_CMP_DATA, name),
      };
    case 'payload':
      if (!d?.has(NFTA_PAYLOAD_DREG)) break; // a payload *write* (SREG, checksums): not modelled
      return {
        kind: 'payload',
        dreg: u32(d, NFTA_PAYLOAD_DREG, name),
        base: u32(d, NFTA_PAYLOAD_BASE, name),
        offset: u32(d, NFTA_PAYLOAD_OFFSET, name),
        len: u32(d, NFTA_PAYLOAD_LEN, name),
      };
    case 'bitwise': {
      if (!d?.has(NFTA_BITWISE_MASK)) break; // shifts (NFTA_BITWISE_DATA): not modelled
      const op = d.be32(NFTA_BITWISE_OP);
      return {
        kind: 'bitwise',
        sreg: u32(d, NFTA_BITWISE_SREG, name),
        dreg: u32(d, NFTA_BITWISE_DREG, name),
        len: u32(d, NFTA_BITWISE_LEN, name),
        mask: dataValue(d, NFTA_BITWISE_MASK, name),
        xor: dataValue(d, NFTA_BITWISE_XOR, name),
        ...(op === undefined ? {} : { op }),
      };
    }
    case 'counter': {
      const bytes = d?.be64(NFTA_COUNTER_BYTES);
      const packets = d?.be64(NFTA_COUNTER_PACKETS);
      return { kind: 'counter', ...(bytes === undefined ? {} : { bytes }), ...(packets === undefined ? {} : { packets }) };
    }
    case 'masq': {
      if (d && [...d].some((a) => a.type !== NFTA_MASQ_FLAGS)) break; // port-range registers
      const flags = d?.be32(NFTA_MASQ_FLAGS);
      return { kind: 'masq', ...(flags === undefined ? {} : { flags }) };
    }
    case 'ct':
      if (!d?.has(NFTA_CT_DREG)) break; // a ct *set* (mark, SREG): not modelled
      return { kind: 'ct', key: u32(d, NFTA_CT_KEY, name), dreg: u32(d, NFTA_CT_DREG, name) };
    case 'immediate': {
      const verdict = d?.nested(NFTA_IMMEDIATE_DATA)?.nested(NFTA_DATA_VERDICT);
      const code = verdict?.get(NFTA_VERDICT_CODE);
      // Jumps/gotos carry a chain name, and data immediates a value: not modelled.
      if (!verdict || !code || verdict.length !== 1) break;
      return { kind: 'immediate', dreg: u32(d, NFTA_IMMEDIATE_DREG, name), verdict: code.data.readInt32BE(0) };
    }
  }
  return { kind: 'unknown', name, data: raw };
}
