/**
 * nfnetlink batches, pure: framing (NFNL_MSG_BATCH_BEGIN … END around nf_tables messages, one
 * datagram) and the reading of the kernel's answer. nf_tables only changes its ruleset inside a
 * batch, and a batch is one transaction: all messages commit, or none.
 *
 * Design decisions:
 * - No NLM_F_ACK on the messages (nft 1.0.6 sends none either). The kernel still reports every
 *   failing message with an NLMSG_ERROR carrying that message's seq, processes the whole batch
 *   first (so all errors arrive), and queues everything before sendmsg returns. Success is then
 *   "no error before the barrier" (link.ts sends the barrier). Per-message ACKs cost one skb each
 *   in our receive buffer: measured with 1,000 ACKed NEWRULEs and the default buffer, recv failed
 *   with ENOBUFS and every ACK was lost although all rules were committed. Errors only come for
 *   messages that failed.
 * - Errors on the BEGIN message's seq are about the batch as a whole: EPERM without
 *   CAP_NET_ADMIN, or a failed commit.
 * - NLM_F_ECHO on a message asks the kernel to send the created object back (with its handle)
 *   after the commit, to our port, with that message's seq: how `nft --echo` learns handles.
 */
import { NetlinkError, type Request } from '../../conn/index.js';
import { NLMSG_HDRLEN, decodeNlmsgerr, parseAttributes, type NetlinkMessage } from '../../wire/index.js';
import { NLM_F_ECHO, NLM_F_REQUEST, NLMSG_ERROR } from '../../wire/uapi/netlink.js';
import { AF_UNSPEC } from '../../wire/uapi/socket.js';
import { SIZEOF_NFGENMSG, encodeNfgenmsg } from './messages.js';
import * as U from './uapi.js';

const { NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS_NFTABLES } = U;

/** BatchStep is one nf_tables message of a batch and how to name it in errors. */
export interface BatchStep {
  request: Request;
  /** The nft command this message corresponds to, e.g. `nft add rule inet wgpilot forward ...`. */
  op: string;
  /** Ask for the created object back (NLM_F_ECHO), e.g. to learn a new rule's handle. */
  echo?: boolean;
}

/** The op name of batch-wide errors (reported on the BEGIN message). */
export const BATCH_OP = 'nft batch';

/**
 * batchMarker builds BEGIN or END: nfgenmsg { AF_UNSPEC, version 0, res_id = htons(subsystem) },
 * which tells nfnetlink which subsystem runs the transaction.
 */
function batchMarker(type: number): Request {
  return { type, flags: NLM_F_REQUEST, data: encodeNfgenmsg(AF_UNSPEC, NFNL_SUBSYS_NFTABLES) };
}

/**
 * frameBatch returns the datagram's messages in order: BEGIN, each step with NLM_F_REQUEST
 * (and NLM_F_ECHO when asked), END. Sequence numbers are the sender's business (link.ts).
 */
export function frameBatch(steps: readonly BatchStep[]): Request[] {
  return [
    batchMarker(NFNL_MSG_BATCH_BEGIN),
    ...steps.map((s) => ({ ...s.request, flags: s.request.flags | NLM_F_REQUEST | (s.echo ? NLM_F_ECHO : 0) })),
    batchMarker(NFNL_MSG_BATCH_END),
  ];
}

/** BatchOutcome: for each step (by index), the messages the kernel echoed back. */
export interface BatchOutcome {
  echoes: NetlinkMessage[][];
}

/**
 * readBatchReplies checks what came back for a framed batch whose messages were sent with
 * `seqs` (seqs[0] = BEGIN, seqs[n+1] = END) and returns the echoes per step. Throws the
 * NetlinkError of the first failing message, its op naming the nft command; a batch-wide error
 * (on BEGIN or END) is reported as BATCH_OP.
 */
export function readBatchReplies(steps: readonly BatchStep[], seqs: readonly number[], replies: readonly NetlinkMessage[]): BatchOutcome {
  if (seqs.length !== steps.length + 2) throw new Error(`readBatchReplies: ${seqs.length} seqs for ${steps.length} steps`);
  const index = new Map<number, number>(seqs.map((s, i) => [s, i]));
  const echoes: NetlinkMessage[][] = steps.map(() => []);
  let first: { at: number; error: NetlinkError } | undefined;
  for (const msg of replies) {
    const at = index.get(msg.header.seq);
    if (at === undefined) continue;
    if (msg.header.type !== NLMSG_ERROR) {
      if (at >= 1 && at <= steps.length) echoes[at - 1]?.push(msg);
      continue;
    }
    const err = decodeNlmsgerr(msg);
    if (err.error === 0) continue; // an ACK (we ask for none, but a caller's flags might)
    const step = at >= 1 && at <= steps.length ? steps[at - 1] : undefined;
    const pointed = step ? pointedAttribute(step.request, err.extAck?.offset) : undefined;
    const op = step ? `${step.op} (batch message ${at} of ${steps.length}${pointed ? `; kernel points at ${pointed}` : ''})` : BATCH_OP;
    // Batch-wide errors come first: they explain every other one.
    const rank = step ? at : -1;
    if (!first || rank < first.at) {
      first = { at: rank, error: new NetlinkError({ op, errno: -err.error, seq: msg.header.seq, extAck: err.extAck }) };
    }
  }
  if (first) throw first.error;
  return { echoes };
}

/** Names of the top-level attributes of the messages we send, for pointing at ext-ack offsets. */
const ATTRIBUTE_NAMES: ReadonlyMap<number, readonly string[]> = new Map([
  [U.NFT_MSG_NEWTABLE, ['', 'NFTA_TABLE_NAME', 'NFTA_TABLE_FLAGS']],
  [U.NFT_MSG_DELTABLE, ['', 'NFTA_TABLE_NAME']],
  [U.NFT_MSG_NEWCHAIN, ['', 'NFTA_CHAIN_TABLE', 'NFTA_CHAIN_HANDLE', 'NFTA_CHAIN_NAME', 'NFTA_CHAIN_HOOK', 'NFTA_CHAIN_POLICY', 'NFTA_CHAIN_USE', 'NFTA_CHAIN_TYPE']],
  [U.NFT_MSG_NEWRULE, ['', 'NFTA_RULE_TABLE', 'NFTA_RULE_CHAIN', 'NFTA_RULE_HANDLE', 'NFTA_RULE_EXPRESSIONS', 'NFTA_RULE_COMPAT', 'NFTA_RULE_POSITION', 'NFTA_RULE_USERDATA']],
  [U.NFT_MSG_DELRULE, ['', 'NFTA_RULE_TABLE', 'NFTA_RULE_CHAIN', 'NFTA_RULE_HANDLE']],
]);

/**
 * pointedAttribute names the attribute an ext-ack offset (bytes from the start of the failing
 * message's header) points at or into, with its value when it is a string: the kernel often
 * sends only the offset for nf_tables errors (ENOENT for a missing chain carries no text).
 */
export function pointedAttribute(request: Request, offset: number | undefined): string | undefined {
  const base = NLMSG_HDRLEN + SIZEOF_NFGENMSG;
  if (offset === undefined || !request.data || offset < base) return undefined;
  let attrs;
  try {
    attrs = parseAttributes(Buffer.from(request.data.subarray(SIZEOF_NFGENMSG)));
  } catch {
    return undefined;
  }
  const rel = offset - base;
  const hit = attrs.find((a) => rel >= a.offset && rel < a.offset + 4 + a.data.length);
  if (!hit) return undefined;
  const name = ATTRIBUTE_NAMES.get(request.type & 0xff)?.[hit.type] || `attribute ${hit.type}`;
  const text = hit.data.length > 1 && hit.data.at(-1) === 0 && /^[\x20-\x7e]+$/.test(hit.string()) ? ` "${hit.string()}"` : '';
  return rel === hit.offset ? `${name}${text}` : `a part of ${name}`;
}
