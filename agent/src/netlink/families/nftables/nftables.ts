/**
 * NfTables manages the agent's own nf_tables table (`inet wgpilot` by default) through
 * NETLINK_NETFILTER: chains, rules built from a small set of expressions, listing them back as
 * typed rules, deleting by handle. Every message names this one table, so other tables (the
 * distribution's firewall, docker's) are never read into our state nor modified.
 *
 * Changes go out as nfnetlink batches (one transaction each, see batch.ts); reads are dumps.
 */
import { NetlinkError } from '../../conn/index.js';
import type { Libc } from '../../ffi/index.js';
import type { NetlinkMessage } from '../../wire/index.js';
import { type BatchStep, frameBatch, readBatchReplies } from './batch.js';
import { NftablesInputError } from './errors.js';
import { ConnNftLink, type NftLink } from './link.js';
import * as M from './messages.js';
import { DEFAULT_TABLE, FORWARD_CHAIN, POSTROUTING_CHAIN, formatRule } from './specs.js';
import type { Chain, ChainSpec, Rule, RuleRef, RuleSpec } from './types.js';
import { NFT_NAME_MAXLEN } from './uapi.js';

export interface NfTablesOptions {
  /** Table name in family inet; default 'wgpilot'. Tests use their own to run side by side. */
  table?: string;
}

/** Echoed NEWRULE messages are ~0.5 KiB; budget 1 KiB each plus slack when growing rcvbuf. */
const ECHO_BYTES_PER_RULE = 1024;

export class NfTables {
  readonly table: string;

  constructor(
    private readonly link: NftLink,
    options: NfTablesOptions = {},
  ) {
    this.table = validName('table', options.table ?? DEFAULT_TABLE);
  }

  /** open creates a NETLINK_NETFILTER connection (inside netns when given), owned by this object. */
  static open(libc: Libc, options: NfTablesOptions & { netns?: string } = {}): NfTables {
    const { netns, ...rest } = options;
    return new NfTables(ConnNftLink.open(libc, netns === undefined ? {} : { netns }), rest);
  }

  close(): void {
    this.link.close();
  }

  /**
   * ensureTable creates the table and its base chains if missing, in one transaction; existing
   * ones are kept (rules included). Equivalent to:
   * `nft add table inet wgpilot; nft add chain inet wgpilot postrouting '{ type nat hook postrouting priority srcnat; policy accept; }'; nft add chain inet wgpilot forward '{ type filter hook forward priority filter; policy accept; }'`.
   */
  async ensureTable(chains: readonly ChainSpec[] = [POSTROUTING_CHAIN, FORWARD_CHAIN]): Promise<void> {
    await this.run([
      { request: M.newTable(this.table), op: `nft add table inet ${this.table}` },
      ...chains.map((c) => this.chainStep(c)),
    ]);
  }

  /** Equivalent to: `nft add chain inet wgpilot NAME '{ type T hook H priority P; policy X; }'`. */
  async createChain(spec: ChainSpec): Promise<void> {
    await this.run([this.chainStep(spec)]);
  }

  /**
   * deleteTable removes the table with all its chains and rules; false when it did not exist.
   * Equivalent to: `nft delete table inet wgpilot`.
   */
  async deleteTable(): Promise<boolean> {
    try {
      await this.run([{ request: M.delTable(this.table), op: `nft delete table inet ${this.table}` }]);
      return true;
    } catch (err) {
      if (err instanceof NetlinkError && err.code === 'ENOENT') return false;
      throw err;
    }
  }

  /** flushTable deletes every rule, keeping the chains. Equivalent to: `nft flush table inet wgpilot`. */
  async flushTable(): Promise<void> {
    await this.run([{ request: M.flushTable(this.table), op: `nft flush table inet ${this.table}` }]);
  }

  /** tableExists: Equivalent to `nft list table inet wgpilot` succeeding. */
  async tableExists(): Promise<boolean> {
    try {
      await this.link.request(M.getTable(this.table), { op: `nft list table inet ${this.table}` });
      return true;
    } catch (err) {
      if (err instanceof NetlinkError && err.code === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * addRule appends a rule and returns its handle (asked back with NLM_F_ECHO, like `nft --echo`).
   * Equivalent to: `nft add rule inet wgpilot postrouting oifname "eth0" ip saddr 10.0.0.0/24 counter masquerade comment "wgpilot:net=3:masq"`.
   */
  async addRule(spec: RuleSpec): Promise<number> {
    const [handle] = await this.addRules([spec]);
    if (handle === undefined) throw new Error('addRule: no handle');
    return handle;
  }

  /** addRules appends several rules in one transaction (all or none) and returns their handles. */
  async addRules(specs: readonly RuleSpec[]): Promise<number[]> {
    const steps = specs.map((s) => this.ruleStep(s));
    const echoes = await this.run(steps, specs.length * ECHO_BYTES_PER_RULE);
    return this.handles(steps, echoes);
  }

  /**
   * replaceRules swaps every rule of the table (chains stay) for `specs`, in this order, in one
   * transaction: there is no moment without rules, and rule order — which decides verdicts — is
   * exactly the order given. Returns the new handles.
   * Equivalent to: `nft -f` of `flush table inet wgpilot` followed by the `add rule` lines.
   */
  async replaceRules(specs: readonly RuleSpec[]): Promise<number[]> {
    const steps = [{ request: M.flushTable(this.table), op: `nft flush table inet ${this.table}` }, ...specs.map((s) => this.ruleStep(s))];
    const echoes = await this.run(steps, specs.length * ECHO_BYTES_PER_RULE);
    return this.handles(steps.slice(1), echoes.slice(1));
  }

  private ruleStep(s: RuleSpec): BatchStep {
    validName('chain', s.chain);
    return { request: M.newRule(this.table, s), op: `nft add rule inet ${this.table} ${s.chain} ${formatRule(s)}`, echo: true };
  }

  private handles(steps: readonly BatchStep[], echoes: readonly NetlinkMessage[][]): number[] {
    return echoes.map((msgs, i) => {
      const rule = msgs.map((m) => M.decodeRuleHandle(m, this.table)).find((r) => r !== undefined);
      if (!rule) throw new Error(`${steps[i]?.op ?? 'nft add rule'}: the kernel echoed no rule back`);
      return rule.handle;
    });
  }

  /** Equivalent to: `nft delete rule inet wgpilot CHAIN handle N`. ENOENT when it does not exist. */
  async deleteRule(ref: RuleRef): Promise<void> {
    await this.deleteRules([ref]);
  }

  /** deleteRules removes several rules in one transaction (all or none). */
  async deleteRules(refs: readonly RuleRef[]): Promise<void> {
    await this.run(refs.map((r) => {
      if (!Number.isSafeInteger(r.handle) || r.handle <= 0) throw new NftablesInputError('handle', `${r.handle} is not a rule handle`);
      return { request: M.delRule(this.table, validName('chain', r.chain), r.handle), op: `nft delete rule inet ${this.table} ${r.chain} handle ${r.handle}` };
    }));
  }

  /**
   * listRules returns the table's rules (optionally one chain's) in chain order, decoded into
   * typed rules with handles, comments and counters. Equivalent to: `nft -a list table inet wgpilot`.
   */
  async listRules(chain?: string): Promise<Rule[]> {
    return this.link.dump(M.getRules(this.table, chain), (m: NetlinkMessage) => M.decodeRule(m, this.table), {
      op: `nft -a list table inet ${this.table}`,
    });
  }

  /** listChains returns the table's base chains. Equivalent to: `nft list chains inet` (ours only). */
  async listChains(): Promise<Chain[]> {
    return this.link.dump(M.getChains(), (m: NetlinkMessage) => M.decodeChain(m, this.table), {
      op: `nft list chains inet`,
    });
  }

  private chainStep(c: ChainSpec): BatchStep {
    validName('chain', c.name);
    if (!Number.isInteger(c.priority) || c.priority < -0x80000000 || c.priority > 0x7fffffff) {
      throw new NftablesInputError('priority', `${c.priority} is not a 32-bit priority`);
    }
    return {
      request: M.newChain(this.table, c),
      op: `nft add chain inet ${this.table} ${c.name} { type ${c.type} hook ${c.hook} priority ${c.priority}; policy ${c.policy}; }`,
    };
  }

  /** run sends one batch and returns the echoes per step; throws the first failure. */
  private async run(steps: readonly BatchStep[], replyBytes = 0): Promise<NetlinkMessage[][]> {
    if (steps.length === 0) return [];
    const result = await this.link.transact(frameBatch(steps), { replyBytes });
    const { echoes } = readBatchReplies(steps, result.seqs, result.replies);
    if (result.barrierError !== undefined) throw result.barrierError;
    return echoes;
  }
}

function validName(field: string, name: string): string {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes >= NFT_NAME_MAXLEN || name.includes('\0')) {
    throw new NftablesInputError(field, `'${name}' must be 1..${NFT_NAME_MAXLEN - 1} bytes without NUL`);
  }
  return name;
}
