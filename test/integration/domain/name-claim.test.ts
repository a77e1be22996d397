/**
 * Issue 12: on a host with neither the WireGuard module nor wireguard-go, a `networks.create`
 * is refused and rolled back — and its interface name must not stay claimed: the next create
 * with that name is refused for the same reason (not "already taken"), and once WireGuard is
 * available the name works. Real kernel of a throwaway host namespace, with the agent pointed
 * at a wireguard-go binary that does not exist.
 *
 * Where the kernel has the module the create cannot fail this way, so the file checks the
 * module side instead (the name is claimed once, released on delete).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostWireGuardModule } from '../../support/wireguard/module.js';
import { DomainEnv, run } from './env.js';

const env = new DomainEnv(130);
const hasModule = hostWireGuardModule();
const MISSING_WIREGUARD_GO = '/nonexistent/wireguard-go';

beforeAll(async () => {
  await env.up();
});

afterAll(async () => {
  await env.cleanup();
});

describe('the interface name of a refused networks.create', () => {
  const iface = (): string => `${env.prefix}n7`;

  it.skipIf(hasModule)('is released: a second create with that name fails for the real reason, also after reconcile', async () => {
    const s = await env.startAgent({ wireguardGo: MISSING_WIREGUARD_GO });
    const input = { name: 'office', mode: 'hub-routed' as const, subnet4: '10.131.0.0/24', interface: iface() };
    await expect(s.networks.create(input, 'tester')).rejects.toThrow(/^the kernel refused the change, nothing was changed: /);
    expect(s.core.repos.ownedInterfaces.names()).toEqual([]);
    await s.reconciler.reconcileOnce();
    await expect(s.networks.create(input, 'tester')).rejects.toThrow(/^the kernel refused the change, nothing was changed: /);
    expect(s.networks.list()).toEqual([]);
    await env.stopAgent();
  });

  it('can be used once WireGuard is available', async () => {
    const s = await env.startAgent();
    const { network } = await s.networks.create({ name: 'office', mode: 'hub-routed', subnet4: '10.131.0.0/24', interface: iface() }, 'tester');
    expect(network.interface).toBe(iface());
    expect(await run(['ip', '-n', env.host, 'link', 'show', iface()])).toContain(iface());
    expect(s.core.repos.ownedInterfaces.names()).toEqual([iface()]);
    await s.networks.delete(network.id, 'tester');
    expect(s.core.repos.ownedInterfaces.names()).toEqual([]);
  });
});
