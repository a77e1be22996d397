/**
 * Live nftables: the agent's `inet wgpilot` table in a throwaway router namespace (nft-<random>)
 * between a client and a server namespace, checked against `nft -j list table inet wgpilot`
 * (the oracle) and against real traffic: masqueraded UDP reaches the server from the router's
 * address, and rule counters read back through listRules equal nft's. Foreign tables stay as
 * they were; errors are typed.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetlinkError } from '../../../agent/src/netlink/conn/index.js';
import { loadLibc } from '../../../agent/src/netlink/ffi/libc.js';
import {
  NfTables,
  NftablesInputError,
  forwardCidrsRule,
  forwardInterfacesRule,
  masqueradeRule,
  type Rule,
  type RuleMatch,
} from '../../../agent/src/netlink/families/nftables/index.js';
import { CHILDREN, Sandbox } from './sandbox.js';

const libc = loadLibc();
const repo = join(CHILDREN, '../../../..');

type NftJson = { nftables: Record<string, any>[] };

/** nftRules turns `nft -j` rules into our RuleMatch/action vocabulary (the oracle's view). */
function nftRules(json: NftJson): Array<{ chain: string; handle: number; comment?: string; matches: RuleMatch[]; action: string; packets?: number }> {
  return json.nftables.filter((o) => o.rule).map(({ rule }) => {
    const matches: RuleMatch[] = [];
    let action = '';
    let packets: number | undefined;
    for (const e of rule.expr as Record<string, any>[]) {
      if (e.match?.left?.meta) matches.push({ kind: e.match.left.meta.key, name: e.match.right });
      else if (e.match?.left?.payload) {
        const { protocol, field } = e.match.left.payload;
        const r = e.match.right;
        matches.push({ kind: field, prefix: typeof r === 'string' ? `${r}/${protocol === 'ip' ? 32 : 128}` : `${r.prefix.addr}/${r.prefix.len}` });
      } else if ('counter' in e) packets = e.counter.packets;
      else action = Object.keys(e)[0] ?? '';
    }
    return { chain: rule.chain, handle: rule.handle, ...(rule.comment ? { comment: rule.comment } : {}), matches, action, ...(packets === undefined ? {} : { packets }) };
  });
}

const ours = (rules: Rule[]) =>
  rules.map((r) => ({ chain: r.chain, handle: r.handle, ...(r.comment ? { comment: r.comment } : {}), matches: r.matches, action: r.action, ...(r.packets === undefined ? {} : { packets: Number(r.packets) }) }));

describe('nftables in a router namespace', () => {
  const router = new Sandbox('nft');
  const client = new Sandbox('nft');
  const server = new Sandbox('nft');
  let nft: NfTables;
  let received: string[] = [];
  let foreign = '';

  const nftJson = (): NftJson => JSON.parse(router.exec(['nft', '-j', 'list', 'table', 'inet', 'wgpilot'])) as NftJson;
  const foreignTables = (): string =>
    ['ip other', 'inet other6'].map((t) => router.exec(['nft', '-j', 'list', 'table', ...t.split(' ')])).join('\n');
  const send = (n: number): void => {
    client.exec(['python3', '-c', `import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor _ in range(${n}): s.sendto(b'x', ('198.18.2.2', 9000))`]);
  };
  const waitFor = async (n: number): Promise<void> => {
    for (let i = 0; i < 100 && received.length < n; i++) await sleep(50);
  };

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('integration tests need root');
    router.create();
    client.create();
    server.create();
    const ip = (ns: Sandbox, args: string): string => ns.exec(['ip', ...args.split(' ')]);
    execFileSync('ip', ['-n', router.name, 'link', 'add', 'r-cli', 'type', 'veth', 'peer', 'name', 'c-eth', 'netns', client.name]);
    execFileSync('ip', ['-n', router.name, 'link', 'add', 'r-srv', 'type', 'veth', 'peer', 'name', 's-eth', 'netns', server.name]);
    ip(router, 'addr add 198.18.1.1/24 dev r-cli');
    ip(router, 'addr add 198.18.2.1/24 dev r-srv');
    ip(router, 'link set r-cli up');
    ip(router, 'link set r-srv up');
    ip(client, 'addr add 198.18.1.2/24 dev c-eth');
    ip(client, 'link set c-eth up');
    ip(client, 'route add default via 198.18.1.1');
    ip(server, 'addr add 198.18.2.2/24 dev s-eth'); // no route back to 198.18.1.0/24
    ip(server, 'link set s-eth up');
    router.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const rx = await server.start(['python3', '-u', '-c', [
      'import socket',
      's=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 9000)); print("ready", flush=True)',
      'while True:',
      '    _, a = s.recvfrom(64); print("from", a[0], flush=True)',
    ].join('\n')]);
    rx.child.stdout?.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/^from (\S+)$/gm)) received.push(m[1] ?? '');
    });
    // Someone else's firewall, in both families: it must come out of every test untouched.
    execFileSync('ip', ['netns', 'exec', router.name, 'nft', '-f', '-'], {
      input: [
        'add table ip other',
        'add chain ip other input { type filter hook input priority 0; policy accept; }',
        'add rule ip other input ip saddr 203.0.113.0/24 drop comment "foreign"',
        'add table inet other6',
        'add chain inet other6 forward { type filter hook forward priority -10; policy accept; }',
        'add rule inet other6 forward oifname "x0" accept',
      ].join('\n'),
    });
    foreign = foreignTables();
    nft = NfTables.open(libc, { netns: router.name });
  });

  afterAll(() => {
    nft?.close();
    for (const ns of [client, server, router]) ns.destroy();
  });

  it('forwards without rewriting the source before our rules exist', async () => {
    send(1);
    await waitFor(1);
    expect(received).toEqual(['198.18.1.2']);
    received = [];
  });

  it('creates the table and base chains nft lists', async () => {
    expect(await nft.tableExists()).toBe(false);
    await nft.ensureTable();
    await nft.ensureTable(); // idempotent
    const chains = nftJson().nftables.filter((o) => o.chain).map(({ chain }) => [chain.name, chain.handle, chain.type, chain.hook, chain.prio, chain.policy]);
    expect(chains).toEqual([['postrouting', 1, 'nat', 'postrouting', 100, 'accept'], ['forward', 2, 'filter', 'forward', 0, 'accept']]);
    expect((await nft.listChains()).map((c) => [c.name, c.handle, c.type, c.hook, c.priority, c.policy])).toEqual(chains);
  });

  it('adds rules that nft lists with the same matches, handles and comments', async () => {
    const handles = await nft.addRules([
      masqueradeRule({ outInterface: 'r-srv', source: '198.18.1.0/24', comment: 'wgpilot:net=3:masq' }),
      forwardInterfacesRule({ inInterface: 'r-cli', outInterface: 'r-srv', comment: 'wgpilot:net=3:fwd' }),
      forwardCidrsRule({ source: '198.18.2.0/24', destination: '198.18.0.0/20', comment: 'wgpilot:net=3:back' }),
      forwardCidrsRule({ source: 'fd00:18::/48', destination: 'fd00:19::7', action: 'drop', comment: 'wgpilot:net=4:v6' }),
    ]);
    expect(handles).toEqual([3, 4, 5, 6]);
    const rules = await nft.listRules();
    expect(ours(rules)).toEqual(nftRules(nftJson()));
    expect(rules.every((r) => r.recognized && r.counter)).toBe(true);
    expect((await nft.listRules('forward')).map((r) => r.handle)).toEqual([4, 5, 6]);
    expect(router.exec(['nft', 'list', 'chain', 'inet', 'wgpilot', 'postrouting'])).toContain(
      'oifname "r-srv" ip saddr 198.18.1.0/24 counter packets 0 bytes 0 masquerade comment "wgpilot:net=3:masq"',
    );
  });

  it('masquerades real traffic, and counters read back equal nft -j', async () => {
    send(5);
    await waitFor(5);
    expect(received).toEqual(Array(5).fill('198.18.2.1'));
    const rules = await nft.listRules();
    expect(rules.find((r) => r.comment === 'wgpilot:net=3:fwd')?.packets).toBe(5n);
    expect(rules.find((r) => r.comment === 'wgpilot:net=3:masq')?.packets).toBe(1n); // NAT sees a flow's first packet
    expect(rules.find((r) => r.comment === 'wgpilot:net=3:fwd')?.bytes).toBe(5n * 29n); // 20 IP + 8 UDP + 1
    expect(ours(rules)).toEqual(nftRules(nftJson()));
  });

  it('deletes a rule by handle; a missing handle is ENOENT', async () => {
    await nft.deleteRule({ chain: 'forward', handle: 5 });
    expect(nftRules(nftJson()).map((r) => r.handle)).toEqual([3, 4, 6]);
    await expect(nft.deleteRule({ chain: 'forward', handle: 5 })).rejects.toMatchObject({ name: 'NetlinkError', code: 'ENOENT' });
  });

  it('rejects bad input before the kernel, and names the kernel refusal', async () => {
    const before = router.exec(['nft', '-j', 'list', 'ruleset']);
    expect(() => forwardInterfacesRule({ inInterface: 'a-much-too-long-name', outInterface: 'r-srv' })).toThrow(NftablesInputError);
    await expect(nft.addRule({ chain: 'forward', matches: [{ kind: 'iifname', name: 'bad/name' }], action: 'accept' })).rejects.toBeInstanceOf(NftablesInputError);
    const err = await nft.addRule({ chain: 'nosuch', matches: [], action: 'accept' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: 'ENOENT', errno: 2, message: 'No such file or directory' });
    expect((err as NetlinkError).op).toContain('kernel points at NFTA_RULE_CHAIN "nosuch"');
    // A failed transaction changes nothing, not even its valid messages.
    const mixed = [forwardInterfacesRule({ inInterface: 'r-cli', outInterface: 'r-srv' }), { chain: 'nosuch', matches: [], action: 'accept' as const }];
    await expect(nft.addRules(mixed)).rejects.toMatchObject({ code: 'ENOENT', op: expect.stringContaining('batch message 2 of 2') });
    expect(router.exec(['nft', '-j', 'list', 'ruleset'])).toBe(before);
  });

  it('refuses an unprivileged caller with a typed EPERM', async () => {
    const { ready } = await router.start(['python3', join(CHILDREN, 'open-sockets.py'), JSON.stringify({ udp: [{ family: 4, addr: '127.0.0.1', port: 9100 }] })]);
    router.adopt(ready.split(' ').map(Number));
    const out = execFileSync(
      'ip',
      ['netns', 'exec', router.name, 'setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '--import', 'tsx', join(CHILDREN, 'families-unprivileged.ts')],
      { encoding: 'utf8', cwd: repo, env: { ...process.env, HOME: '/tmp' } },
    );
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, any>;
    expect(result.uid).toBe(65534);
    const eperm = { class: 'NetlinkError', code: 'EPERM', errno: 1, message: 'Operation not permitted' };
    expect(result.ensureTable).toEqual({ ...eperm, op: 'nft batch' });
    expect(result.addRule).toEqual({ ...eperm, op: 'nft batch' });
    expect(result.listRules).toMatchObject(eperm);
    // Listing sockets needs no privilege; root's fd tables are unreadable, so no owners.
    expect(result.sockets).toEqual([{ port: 9100, owners: 0 }]);
    expect(nftRules(nftJson()).map((r) => r.handle)).toEqual([3, 4, 6]);
  });

  it('flushes and deletes only our table', async () => {
    await nft.flushTable();
    expect(nftRules(nftJson())).toEqual([]);
    expect(await nft.listChains()).toHaveLength(2);
    expect(await nft.deleteTable()).toBe(true);
    expect(await nft.deleteTable()).toBe(false);
    expect(await nft.tableExists()).toBe(false);
    expect(router.exec(['nft', 'list', 'tables']).trim().split('\n')).toEqual(['table ip other', 'table inet other6']);
    expect(foreignTables()).toBe(foreign);
  });

  it('adds 1,000 rules in one transaction and lists them all', async () => {
    await nft.ensureTable();
    const specs = Array.from({ length: 1000 }, (_, i) =>
      forwardCidrsRule({ source: `10.${i >> 8}.${i & 0xff}.0/24`, destination: '10.255.0.0/16', comment: `wgpilot:bulk=${i}` }));
    const handles = await nft.addRules(specs);
    expect(new Set(handles).size).toBe(1000);
    const rules = await nft.listRules('forward');
    expect(rules.map((r) => r.handle)).toEqual(handles);
    expect(nftRules(nftJson()).length).toBe(1000);
    expect(await nft.deleteTable()).toBe(true);
    expect(foreignTables()).toBe(foreign);
  });
});
