/**
 * BridgesService: controlled forwarding between two networks (direction a_to_b / b_to_a /
 * bidirectional, optional destination CIDRs, enable/disable). A bridge is only nftables rules
 * in the agent's table: accepts for the allowed direction and CIDRs ahead of the isolation
 * drops that otherwise keep networks apart (domain/firewall.ts), so each write converges the
 * firewall only.
 * Equivalent to: `nft add rule inet wgpilot forward iifname "wg0" oifname "wg1" ip daddr 10.9.0.0/24 accept`.
 */
import { normalizeCidr, parseCidr } from '../domain/cidr.js';
import type { Bridge, BridgeDirection } from '../domain/model.js';
import { cidrListIssues } from '../domain/validate.js';
import type { Core } from './core.js';
import { invalid, notFound } from './errors.js';
import { applyWrite, type KernelOutcome } from './write.js';

export interface BridgeCreateInput {
  networkAId: number;
  networkBId: number;
  direction?: BridgeDirection;
  allowedCidrs?: string[];
  enabled?: boolean;
}

export type BridgeUpdateInput = Partial<Pick<BridgeCreateInput, 'direction' | 'allowedCidrs' | 'enabled'>>;

export class BridgesService {
  constructor(private readonly core: Core) {}

  list(): Bridge[] {
    return this.core.repos.bridges.list();
  }

  get(id: number): Bridge {
    const b = this.core.repos.bridges.get(id);
    if (!b) throw notFound(`bridge ${id} not found`);
    return b;
  }

  create(input: BridgeCreateInput, user: string): Promise<{ bridge: Bridge; kernel: KernelOutcome }> {
    return this.core.lock.run(async () => {
      const r = this.core.repos;
      r.networks.require(input.networkAId);
      r.networks.require(input.networkBId);
      const allowedCidrs = this.cidrs(input.allowedCidrs ?? []);
      const { value, kernel } = await applyWrite(this.core, {
        op: 'bridge.create',
        resourceType: 'bridge',
        change: () => r.bridges.create({ ...input, allowedCidrs }),
        rollback: (b) => r.bridges.delete(b.id),
        resourceId: (b) => b.id,
        summary: (b) => `bridge networks ${b.networkAId} and ${b.networkBId} (${b.direction})`,
        scope: () => [],
      });
      this.core.audit(user, 'bridge.create', 'bridge', value.id, null, value);
      return { bridge: value, kernel };
    });
  }

  update(id: number, patch: BridgeUpdateInput, user: string): Promise<{ bridge: Bridge; kernel: KernelOutcome }> {
    return this.core.lock.run(async () => {
      const r = this.core.repos;
      const before = this.get(id);
      const next = { ...patch, ...(patch.allowedCidrs ? { allowedCidrs: this.cidrs(patch.allowedCidrs) } : {}) };
      const { value, kernel } = await applyWrite(this.core, {
        op: 'bridge.update',
        resourceType: 'bridge',
        change: () => r.bridges.update(id, next),
        rollback: () => void r.bridges.update(id, before),
        resourceId: () => id,
        summary: (b) => `update bridge ${b.id}`,
        scope: () => [],
      });
      this.core.audit(user, 'bridge.update', 'bridge', id, before, value);
      return { bridge: value, kernel };
    });
  }

  setEnabled(id: number, enabled: boolean, user: string): Promise<{ bridge: Bridge; kernel: KernelOutcome }> {
    return this.update(id, { enabled }, user);
  }

  delete(id: number, user: string): Promise<{ deleted: Bridge; kernel: KernelOutcome }> {
    return this.core.lock.run(async () => {
      const r = this.core.repos;
      const before = this.get(id);
      const { kernel } = await applyWrite(this.core, {
        op: 'bridge.delete',
        resourceType: 'bridge',
        change: () => r.bridges.delete(id),
        resourceId: () => id,
        summary: () => `delete bridge ${id}`,
        scope: () => [],
      });
      this.core.audit(user, 'bridge.delete', 'bridge', id, before, null);
      return { deleted: before, kernel };
    });
  }

  private cidrs(list: readonly string[]): string[] {
    const issues = cidrListIssues(list, 'allowedCidrs');
    if (issues.length > 0) throw invalid(issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
    return list.map((c) => {
      parseCidr(c);
      return normalizeCidr(c);
    });
  }
}
