/**
 * NfTables over a fake nf_tables kernel (an in-memory NftLink): transactions are all-or-none,
 * handles come back through NLM_F_ECHO, errors name the failing message, and every message
 * names our table only.
 */
import { describe, expect, it } from 'vitest';
import { NetlinkError, type AckResult, type Request } from '../../../agent/src/netlink/conn/index.js';
import {
  NfTables,
  NftablesInputError,
  forwardInterfacesRule,
  masqueradeRule,
  type NftLink,
  type TransactResult,
} from '../../../agent/src/netlink/families/nftables/index.js';
import * as U from '../../../agent/src/netlink/families/nftables/uapi.js';
import { AttributeDecoder, AttributeEncoder, encodeNlmsgerr, type NetlinkMessage } from '../../../agent/src/netlink/wire/index.js';
import { NLM_F_ACK, NLM_F_ECHO, NLM_F_REQUEST, NLMSG_ERROR } from '../../../agent/src/netlink/wire/uapi/netlink.js';

const cmd = (m: { type: number }): number => m.type & 0xff;
const attrs = (m: Request): AttributeDecoder => new AttributeDecoder(Buffer.from(m.data ?? []).subarray(4));

function msg(type: number, seq: number, data: Buffer): NetlinkMessage {
  return { header: { length: 16 + data.length, type, flags: 0, seq, pid: 7 }, data };
}

function errorMsg(seq: number, errno: number): NetlinkMessage {
  const e = encodeNlmsgerr({ error: -errno, request: { length: 16, type: 0, flags: 0, seq, pid: 0 } });
  return { header: { length: 16 + e.data.length, type: NLMSG_ERROR, flags: e.flags, seq, pid: 7 }, data: Buffer.from(e.data) };
}

interface Stored {
  handle: number;
  chain: string;
  data: Buffer;
}

/** FakeKernel keeps tables, chains and rules; applies a batch to a copy and commits if it all worked. */
class FakeKernel implements NftLink {
  tables = new Set<string>();
  chains = new Map<string, Stored>();
  rules: Stored[] = [];
  handle = 1;
  privileged = true;
  readonly batches: Request[][] = [];
  private seq = 1000;

  async transact(msgs: readonly Request[]): Promise<TransactResult> {
    this.batches.push([...msgs]);
    const seqs = msgs.map(() => this.seq++);
    if (!this.privileged) return { seqs, replies: [errorMsg(seqs[0] ?? 0, 1)], barrierError: new NetlinkError({ op: 'barrier', errno: 1, seq: 1 }) };
    const next = { tables: new Set(this.tables), chains: new Map(this.chains), rules: [...this.rules], handle: this.handle };
    const replies: NetlinkMessage[] = [];
    msgs.slice(1, -1).forEach((m, i) => {
      const seq = seqs[i + 1] ?? 0;
      const a = attrs(m);
      const errno = this.apply(next, m, a, (data) => (m.flags & NLM_F_ECHO ? replies.push(msg(m.type, seq, data)) : 0));
      if (errno) replies.push(errorMsg(seq, errno));
    });
    if (!replies.some((r) => r.header.type === NLMSG_ERROR)) Object.assign(this, next);
    return { seqs, replies };
  }

  private apply(s: Pick<FakeKernel, 'tables' | 'chains' | 'rules' | 'handle'>, m: Request, a: AttributeDecoder, echo: (d: Buffer) => void): number {
    const withHandle = (type: number, h: number): Buffer => Buffer.concat([Buffer.from(m.data ?? []), new AttributeEncoder().be64(type, BigInt(h)).finish()]);
    switch (cmd(m)) {
      case U.NFT_MSG_NEWTABLE:
        s.tables.add(a.string(U.NFTA_TABLE_NAME) ?? '');
        return 0;
      case U.NFT_MSG_DELTABLE:
        if (!s.tables.delete(a.string(U.NFTA_TABLE_NAME) ?? '')) return 2;
        s.chains.clear();
        s.rules.length = 0;
        return 0;
      case U.NFT_MSG_NEWCHAIN: {
        if (!s.tables.has(a.string(U.NFTA_CHAIN_TABLE) ?? '')) return 2;
        const name = a.string(U.NFTA_CHAIN_NAME) ?? '';
        if (!s.chains.has(name)) s.chains.set(name, { handle: s.handle, chain: name, data: withHandle(U.NFTA_CHAIN_HANDLE, s.handle++) });
        return 0;
      }
      case U.NFT_MSG_NEWRULE: {
        const chain = a.string(U.NFTA_RULE_CHAIN) ?? '';
        if (!s.chains.has(chain)) return 2;
        const data = withHandle(U.NFTA_RULE_HANDLE, s.handle);
        s.rules.push({ handle: s.handle++, chain, data });
        echo(data);
        return 0;
      }
      case U.NFT_MSG_DELRULE: {
        const h = a.be64(U.NFTA_RULE_HANDLE);
        if (h === undefined) return (s.rules.length = 0);
        const i = s.rules.findIndex((r) => BigInt(r.handle) === h && r.chain === a.string(U.NFTA_RULE_CHAIN));
        if (i < 0) return 2;
        s.rules.splice(i, 1);
        return 0;
      }
      default:
        return 95;
    }
  }

  async dump<T>(m: Request, decode: (msg: NetlinkMessage) => T | undefined): Promise<T[]> {
    const source = cmd(m) === U.NFT_MSG_GETRULE ? this.rules : [...this.chains.values()];
    const reply = cmd(m) === U.NFT_MSG_GETRULE ? (U.NFNL_SUBSYS_NFTABLES << 8) | U.NFT_MSG_NEWRULE : (U.NFNL_SUBSYS_NFTABLES << 8) | U.NFT_MSG_NEWCHAIN;
    return source.map((s) => decode(msg(reply, 0, s.data))).filter((v): v is T => v !== undefined);
  }

  async request(m: Request): Promise<AckResult> {
    if (cmd(m) === U.NFT_MSG_GETTABLE && !this.tables.has(attrs(m).string(U.NFTA_TABLE_NAME) ?? '')) {
      throw new NetlinkError({ op: 'gettable', errno: 2, seq: 1 });
    }
    return { messages: [], warnings: [] };
  }

  close(): void {}
}

describe('NfTables', () => {
  it('ensureTable is one transaction: BEGIN, table, two chains, END, without per-message ACKs', async () => {
    const k = new FakeKernel();
    await new NfTables(k).ensureTable();
    const [batch] = k.batches;
    expect(batch?.map((m) => m.type)).toEqual([0x10, 0xa00, 0xa03, 0xa03, 0x11]);
    expect(batch?.every((m) => (m.flags & NLM_F_REQUEST) !== 0 && (m.flags & NLM_F_ACK) === 0)).toBe(true);
    expect([...k.chains.keys()]).toEqual(['postrouting', 'forward']);
    await new NfTables(k).ensureTable(); // idempotent
    expect(k.chains.size).toBe(2);
  });

  it('addRule returns the handle the kernel echoes, listRules reads it back', async () => {
    const k = new FakeKernel();
    const nft = new NfTables(k);
    await nft.ensureTable();
    const h = await nft.addRule(masqueradeRule({ outInterface: 'eth0', source: '10.0.0.0/24', comment: 'wgpilot:net=3:masq' }));
    expect(h).toBe(3);
    expect(k.batches.at(-1)?.[1]?.flags).toBe(NLM_F_REQUEST | NLM_F_ECHO | 0x400 | 0x800);
    const [rule] = await nft.listRules();
    expect(rule).toMatchObject({ handle: 3, chain: 'postrouting', action: 'masquerade', comment: 'wgpilot:net=3:masq', recognized: true });
    expect((await nft.listChains()).map((c) => [c.name, c.handle, c.type, c.hook, c.priority])).toEqual([
      ['postrouting', 1, 'nat', 'postrouting', 100],
      ['forward', 2, 'filter', 'forward', 0],
    ]);
  });

  it('addRules is all or none, and the error names the failing rule', async () => {
    const k = new FakeKernel();
    const nft = new NfTables(k);
    await nft.ensureTable();
    const rules = [forwardInterfacesRule({ inInterface: 'wg0', outInterface: 'eth0' }), { ...masqueradeRule({ outInterface: 'eth0', source: '10.0.0.0/8' }), chain: 'nat' }];
    await expect(nft.addRules(rules)).rejects.toMatchObject({
      code: 'ENOENT',
      op: 'nft add rule inet wgpilot nat oifname "eth0" ip saddr 10.0.0.0/8 counter masquerade (batch message 2 of 2)',
    });
    expect(k.rules).toEqual([]);
  });

  it('deleteRule by chain and handle; ENOENT for a missing one; bad handles never sent', async () => {
    const k = new FakeKernel();
    const nft = new NfTables(k);
    await nft.ensureTable();
    const h = await nft.addRule(forwardInterfacesRule({ inInterface: 'wg0', outInterface: 'eth0' }));
    await nft.deleteRule({ chain: 'forward', handle: h });
    expect(k.rules).toEqual([]);
    await expect(nft.deleteRule({ chain: 'forward', handle: h })).rejects.toBeInstanceOf(NetlinkError);
    const sent = k.batches.length;
    await expect(nft.deleteRule({ chain: 'forward', handle: 0 })).rejects.toBeInstanceOf(NftablesInputError);
    await expect(nft.addRule({ chain: '', matches: [], action: 'accept' })).rejects.toBeInstanceOf(NftablesInputError);
    expect(k.batches.length).toBe(sent);
  });

  it('deleteTable reports whether there was one; tableExists follows', async () => {
    const k = new FakeKernel();
    const nft = new NfTables(k);
    expect(await nft.tableExists()).toBe(false);
    await nft.ensureTable();
    expect(await nft.tableExists()).toBe(true);
    expect(await nft.deleteTable()).toBe(true);
    expect(await nft.deleteTable()).toBe(false);
  });

  it('without CAP_NET_ADMIN the batch fails as a whole with EPERM', async () => {
    const k = new FakeKernel();
    k.privileged = false;
    await expect(new NfTables(k).ensureTable()).rejects.toMatchObject({ name: 'NetlinkError', code: 'EPERM', op: 'nft batch' });
  });

  it('names only its own table in every message', async () => {
    const k = new FakeKernel();
    const nft = new NfTables(k, { table: 'mine' });
    await nft.ensureTable();
    await nft.addRule(forwardInterfacesRule({ inInterface: 'a', outInterface: 'b' }));
    await nft.flushTable();
    await nft.deleteTable();
    for (const m of k.batches.flatMap((b) => b.slice(1, -1))) {
      expect(attrs(m).string(1)).toBe('mine'); // NFTA_{TABLE,CHAIN,RULE}_TABLE/NAME is attribute 1 in all
    }
  });
});
