/**
 * The guest image gives later features what they need, checked with the C tools alone: the
 * kernel loads flower, police, HTB, IFB and ctnetlink on demand (busybox modprobe against the
 * depmod'ed tree), fq_codel is there, and the oracles run with their libraries. A feature's own
 * scenarios then only have to prove the agent's side.
 */
import { afterAll, expect, it } from 'vitest';
import { kernelSuite } from './harness/suite.js';

const NS = 'kcap';

kernelSuite(
  'what the guest kernel offers',
  (k) => {
    afterAll(() => k.sh(`ip netns del ${NS} 2>/dev/null || true`).catch(() => undefined));

    it('runs a stock Debian cloud kernel, with the clock set from the host', async () => {
      expect(await k.sh('uname -r')).toBe(`${k.kernel.kernel.release}\n`);
      const guestNow = Number((await k.sh('date +%s')).trim());
      expect(Math.abs(guestNow - Date.now() / 1000)).toBeLessThan(600);
    });

    it('loads HTB, fq_codel leaves, flower with police and mirred to IFB on demand', async () => {
      await k.sh(
        [
          `ip netns add ${NS}`,
          `ip -n ${NS} link add kcv0 type veth peer name kcv1`,
          `ip -n ${NS} link add kcifb type ifb`,
          `ip -n ${NS} link set kcv0 up && ip -n ${NS} link set kcifb up`,
          `tc -n ${NS} qdisc add dev kcv0 root handle 1: htb default 10`,
          `tc -n ${NS} class add dev kcv0 parent 1: classid 1:10 htb rate 10mbit`,
          `tc -n ${NS} qdisc add dev kcv0 parent 1:10 fq_codel`,
          `tc -n ${NS} qdisc add dev kcv0 clsact`,
          `tc -n ${NS} filter add dev kcv0 ingress protocol ip flower dst_ip 10.99.0.2 action police rate 1mbit burst 16k drop`,
          `tc -n ${NS} filter add dev kcv0 ingress protocol ip flower dst_ip 10.99.0.3 action mirred egress redirect dev kcifb`,
        ].join('\n'),
      );
      expect(await k.sh(`tc -n ${NS} qdisc show dev kcv0`)).toMatch(/qdisc fq_codel .* parent 1:10/);
      const filters = await k.sh(`tc -n ${NS} filter show dev kcv0 ingress`);
      expect(filters).toMatch(/flower/);
      expect(filters).toMatch(/police/);
      expect(filters).toMatch(/mirred \(Egress Redirect to device kcifb\)/);
    });

    it('answers ctnetlink and nf_tables', async () => {
      expect((await k.exec(['ip', 'netns', 'exec', NS, 'conntrack', '-L'])).code).toBe(0);
      await k.sh(`ip netns exec ${NS} nft add table inet kcap && ip netns exec ${NS} nft list tables`);
      expect(await k.sh('cat /proc/modules')).toMatch(/^nf_conntrack_netlink /m);
    });
  },
  { agent: false },
);
