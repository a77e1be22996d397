/**
 * Rule userdata (NFTA_RULE_USERDATA): the kernel stores it opaquely; libnftnl fills it with
 * TLVs of { u8 type, u8 length, value }, and nft keeps a rule's `comment "..."` there as type
 * NFTNL_UDATA_RULE_COMMENT, NUL included. Writing the same TLV makes our owner tags show up in
 * `nft list` / `nft -j` as ordinary comments, and lets us read back comments nft wrote.
 */
import { WireError } from '../../wire/index.js';
import { NFT_USERDATA_MAXLEN } from './uapi.js';

/** libnftnl's enum nftnl_udata_rule_types (libnftnl/udata.h): not a kernel uapi constant. */
export const NFTNL_UDATA_RULE_COMMENT = 0;
export const NFTNL_UDATA_RULE_EBTABLES_POLICY = 1;
/** nft rejects longer comments (NFTNL_UDATA_COMMENT_MAXLEN), so we do too. */
export const NFTNL_UDATA_COMMENT_MAXLEN = 128;

export interface UdataTlv {
  type: number;
  value: Buffer;
}

/** encodeComment builds the userdata of a rule carrying only a comment. */
export function encodeComment(comment: string): Buffer {
  const text = Buffer.from(comment, 'utf8');
  if (text.includes(0)) throw new WireError('rule comment contains NUL');
  if (text.length === 0 || text.length > NFTNL_UDATA_COMMENT_MAXLEN) {
    throw new WireError(`rule comment of ${text.length} bytes (1..${NFTNL_UDATA_COMMENT_MAXLEN} allowed)`);
  }
  return encodeUdata([{ type: NFTNL_UDATA_RULE_COMMENT, value: Buffer.concat([text, Buffer.alloc(1)]) }]);
}

export function encodeUdata(tlvs: readonly UdataTlv[]): Buffer {
  const parts: Buffer[] = [];
  for (const t of tlvs) {
    if (t.value.length > 0xff) throw new WireError(`userdata TLV ${t.type} of ${t.value.length} bytes`);
    parts.push(Buffer.from([t.type, t.value.length]), t.value);
  }
  const out = Buffer.concat(parts);
  if (out.length > NFT_USERDATA_MAXLEN) throw new WireError(`userdata of ${out.length} bytes exceeds ${NFT_USERDATA_MAXLEN}`);
  return out;
}

/** decodeUdata splits userdata into TLVs; throws WireError when a length runs past the end. */
export function decodeUdata(buf: Buffer): UdataTlv[] {
  const out: UdataTlv[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < 2) throw new WireError('truncated userdata TLV header', off);
    const type = buf.readUInt8(off);
    const len = buf.readUInt8(off + 1);
    if (off + 2 + len > buf.length) throw new WireError(`userdata TLV ${type} of ${len} bytes runs past the end`, off);
    out.push({ type, value: Buffer.from(buf.subarray(off + 2, off + 2 + len)) });
    off += 2 + len;
  }
  return out;
}

/** decodeComment returns the comment stored in userdata, if any (NUL stripped). */
export function decodeComment(buf: Buffer): string | undefined {
  const tlv = decodeUdata(buf).find((t) => t.type === NFTNL_UDATA_RULE_COMMENT);
  if (!tlv) return undefined;
  const nul = tlv.value.indexOf(0);
  return tlv.value.toString('utf8', 0, nul === -1 ? tlv.value.length : nul);
}
