/**
 * nf_tables codec against golden bytes captured from nft 1.0.6 on this kernel
 * (test/fixtures/netlink/nftables/*.nlfix): our batch for the same command is nft's datagram
 * byte for byte, nft's messages decode back into the spec, and the kernel's dump of the table
 * decodes into the chains and rules nft listed.
 */
import { describe, expect, it } from 'vitest';
import { NetlinkError, type Request } from '../../../agent/src/netlink/conn/index.js';
import {
  BATCH_OP,
  FORWARD_CHAIN,
  POSTROUTING_CHAIN,
  forwardCidrsRule,
  forwardInterfacesRule,
  frameBatch,
  masqueradeRule,
  messages as M,
  readBatchReplies,
  type BatchStep,
  type RuleSpec,
} from '../../../agent/src/netlink/families/nftables/index.js';
import { decodeMessages, encodeMessages, type NetlinkMessage } from '../../../agent/src/netlink/wire/index.js';
import { loadFixture } from './fixture.js';

const T = 'wgpilot';

/** nftBatch encodes steps the way nft numbers them: BEGIN seq 0, messages 1.., END last. */
function nftBatch(steps: BatchStep[]): Buffer {
  return encodeMessages(frameBatch(steps).map((m, i) => ({ ...m, seq: i })));
}

function sentBatch(name: string): Buffer {
  const fx = loadFixture(`nftables/${name}`);
  expect(fx.meta.kernel).toMatch(/^Linux 6\./);
  const [batch] = fx.sent;
  if (!batch) throw new Error(`${name}: no batch datagram`);
  return batch;
}

function bodyOf(name: string): NetlinkMessage {
  const msgs = decodeMessages(sentBatch(name));
  const body = msgs[1];
  if (!body || msgs.length !== 3) throw new Error(`${name}: expected BEGIN, one message, END`);
  return body;
}

const RULES: Array<[string, RuleSpec]> = [
  ['new-rule-masq', masqueradeRule({ outInterface: 'eth0', source: '10.0.0.0/24', comment: 'wgpilot:net=3:masq' })],
  ['new-rule-masq6', masqueradeRule({ outInterface: 'eth0', source: 'fd00:3::/64' })],
  ['new-rule-fwd-ifaces', forwardInterfacesRule({ inInterface: 'wg0', outInterface: 'eth0', comment: 'wgpilot:net=3:fwd' })],
  ['new-rule-fwd-cidr4', forwardCidrsRule({ source: '10.0.16.0/20', destination: '192.168.1.7', comment: 'wgpilot:net=4:fwd-cidr' })],
  [
    'new-rule-fwd-cidr6',
    forwardCidrsRule({ source: 'fd00:1::/64', destination: 'fd00:1:2:3:4:5:6:0/113', action: 'drop', comment: 'wgpilot:net=5:drop' }),
  ],
];

describe('our batches are nft 1.0.6 batches, byte for byte', () => {
  it.each<[string, Request]>([
    ['new-table', M.newTable(T)],
    ['new-chain-nat', M.newChain(T, POSTROUTING_CHAIN)],
    ['new-chain-filter', M.newChain(T, FORWARD_CHAIN)],
    ['del-rule', M.delRule(T, 'postrouting', 4)],
    ['flush-table', M.flushTable(T)],
    ['del-table', M.delTable(T)],
    ...RULES.map(([name, spec]): [string, Request] => [name, M.newRule(T, spec)]),
  ])('%s', (name, request) => {
    expect(nftBatch([{ request, op: name }]).toString('hex')).toBe(sentBatch(name).toString('hex'));
  });
});

describe('nft messages decode back into specs', () => {
  it.each(RULES)('%s', (name, spec) => {
    const r = M.decodeRuleMessage(bodyOf(name), T);
    expect(r).toMatchObject({ chain: spec.chain, matches: spec.matches, counter: true, action: spec.action, recognized: true });
    expect(r?.comment).toBe(spec.comment);
    expect(r?.handle).toBeUndefined();
    expect(M.decodeRuleMessage(bodyOf(name), 'other')).toBeUndefined();
  });

  it('re-encodes the decoded expressions byte for byte', () => {
    for (const [name, spec] of RULES) {
      const r = M.decodeRuleMessage(bodyOf(name), T);
      const again = M.newRule(T, { ...spec, matches: r?.matches ?? [] });
      expect(Buffer.from(again.data ?? []).toString('hex')).toBe(bodyOf(name).data.toString('hex'));
    }
  });
});

describe('the kernel dump of nft list table', () => {
  const replies = loadFixture('nftables/rule-dump').received.flatMap((d) => decodeMessages(d));

  it('has our table and two base chains', () => {
    expect(replies.map((m) => M.decodeTableName(m)).filter(Boolean)).toEqual([T]);
    expect(replies.map((m) => M.decodeChain(m, T)).filter(Boolean)).toEqual([
      { table: T, ...POSTROUTING_CHAIN, handle: 1 },
      { table: T, ...FORWARD_CHAIN, handle: 2 },
    ]);
    expect(replies.map((m) => M.decodeChain(m, 'other')).filter(Boolean)).toEqual([]);
    expect(replies.map((m) => M.decodeGen(m)).filter((g) => g !== undefined).length).toBe(2);
  });

  it('has every rule with its handle, comment and zero counters', () => {
    const rules = replies.map((m) => M.decodeRule(m, T)).filter((r) => r !== undefined);
    expect(rules.map((r) => [r.handle, r.chain, r.comment, r.packets, r.bytes, r.recognized])).toEqual([
      [3, 'postrouting', 'wgpilot:net=3:masq', 0n, 0n, true],
      [4, 'postrouting', undefined, 0n, 0n, true],
      [5, 'forward', 'wgpilot:net=3:fwd', 0n, 0n, true],
      [6, 'forward', 'wgpilot:net=4:fwd-cidr', 0n, 0n, true],
      [7, 'forward', 'wgpilot:net=5:drop', 0n, 0n, true],
    ]);
    RULES.forEach(([, spec], i) => {
      expect(rules[i]).toMatchObject({ chain: spec.chain, matches: spec.matches, action: spec.action });
    });
    // The kernel's dump form adds NFTA_BITWISE_OP (0) to the /20 mask nft sent without it.
    expect(rules[3]?.expressions.find((e) => e.kind === 'bitwise')).toMatchObject({ op: 0 });
  });
});

describe('batch errors map to the failing message', () => {
  it('ENOENT for a rule in a missing chain, pointing at NFTA_RULE_CHAIN', () => {
    const fx = loadFixture('nftables/new-rule-missing-chain');
    const step: BatchStep = { request: M.newRule(T, { chain: 'nosuchchain', matches: [], action: 'accept' }), op: 'nft add rule inet wgpilot nosuchchain counter accept' };
    expect(nftBatch([step]).toString('hex')).toBe(fx.sent[0]?.toString('hex'));
    const replies = fx.received.flatMap((d) => decodeMessages(d));
    let err: unknown;
    try {
      readBatchReplies([step], [0, 1, 2], replies);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({
      code: 'ENOENT',
      seq: 1,
      message: 'No such file or directory',
      op: 'nft add rule inet wgpilot nosuchchain counter accept (batch message 1 of 1; kernel points at NFTA_RULE_CHAIN "nosuchchain")',
    });
    expect(BATCH_OP).toBe('nft batch');
  });
});
