/**
 * wg-quick configuration files: the model both directions share, the renderer, and the client
 * configuration a peer downloads (or scans as a QR code). The parser is in wgquick-parse.ts.
 *
 * Design decisions:
 * - One model (`WgQuickConfig`) for client and server files, so an imported server file can be
 *   rendered back and the round trip is testable: render(parse(text)) === text for files in
 *   canonical layout, parse(render(cfg)) deep-equals cfg.
 * - Client AllowedIPs by mode: gateway → everything (0.0.0.0/0, ::/0), or with split CIDRs the
 *   network's subnets plus those CIDRs; site-to-site → the network's subnets plus the other
 *   sites' networks; hub-routed → the network's subnets (plus split CIDRs if any). ::/0 is
 *   routed into the tunnel even on IPv4-only networks so a full tunnel cannot leak IPv6.
 * - Peer names travel as a `# Name = …` comment inside [Peer] (wg(8) has no name field).
 */
import { formatHostPort, parseHostPort } from './endpoint.js';
import type { Network, Peer } from './model.js';
import { networkSubnets, peerHostCidrs } from './model.js';

export interface WgQuickInterface {
  privateKey: string | null;
  /** Interface addresses with prefix length ("10.0.0.2/32", "10.0.0.1/24"). */
  addresses: string[];
  /** DNS servers (IP addresses). */
  dns: string[];
  /** Non-address DNS entries, which wg-quick turns into search domains. */
  dnsSearch: string[];
  mtu: number | null;
  listenPort: number | null;
}

export interface WgQuickPeer {
  /** From a `# Name = …` comment, or the comment right above [Peer]; null when none. */
  name: string | null;
  publicKey: string;
  presharedKey: string | null;
  allowedIps: string[];
  endpoint: string | null;
  /** null when the file does not set it (wg(8) then leaves keepalive off). */
  persistentKeepalive: number | null;
}

export interface WgQuickConfig {
  interface: WgQuickInterface;
  peers: WgQuickPeer[];
}

/** renderWgQuick writes a config in canonical layout; `header` lines become leading comments. */
export function renderWgQuick(cfg: WgQuickConfig, header: readonly string[] = []): string {
  const lines: string[] = header.map((h) => `# ${h}`);
  const i = cfg.interface;
  lines.push('[Interface]');
  if (i.privateKey !== null) lines.push(`PrivateKey = ${i.privateKey}`);
  if (i.listenPort !== null) lines.push(`ListenPort = ${i.listenPort}`);
  if (i.addresses.length > 0) lines.push(`Address = ${i.addresses.join(', ')}`);
  if (i.dns.length + i.dnsSearch.length > 0) lines.push(`DNS = ${[...i.dns, ...i.dnsSearch].join(', ')}`);
  if (i.mtu !== null) lines.push(`MTU = ${i.mtu}`);
  for (const p of cfg.peers) {
    lines.push('', '[Peer]');
    if (p.name !== null) lines.push(`# Name = ${oneLine(p.name)}`);
    lines.push(`PublicKey = ${p.publicKey}`);
    if (p.presharedKey !== null) lines.push(`PresharedKey = ${p.presharedKey}`);
    lines.push(`AllowedIPs = ${p.allowedIps.join(', ')}`);
    if (p.endpoint !== null) lines.push(`Endpoint = ${p.endpoint}`);
    if (p.persistentKeepalive !== null) lines.push(`PersistentKeepalive = ${p.persistentKeepalive}`);
  }
  return lines.join('\n') + '\n';
}

/** Everything a client configuration is made of; secrets are passed in already unsealed. */
export interface ClientConfigInput {
  network: Pick<Network, 'name' | 'mode' | 'subnet4' | 'subnet6' | 'publicKey' | 'listenPort' | 'dns' | 'mtu'>;
  /**
   * Public host clients connect to, "host" or "host:port" (a port here wins over the listen
   * port, for servers behind a port forward).
   */
  endpointHost: string;
  peer: Pick<Peer, 'name' | 'address4' | 'address6' | 'allowedIps' | 'persistentKeepalive'>;
  privateKey: string;
  presharedKey: string | null;
  /** Site networks of the network's other site gateways (site-to-site mode). */
  otherSiteNetworks?: readonly string[];
}

/** clientAllowedIps computes the client-side AllowedIPs for the peer's network mode. */
export function clientAllowedIps(input: Pick<ClientConfigInput, 'network' | 'peer' | 'otherSiteNetworks'>): string[] {
  const subnets = networkSubnets(input.network);
  const split = input.peer.allowedIps ?? [];
  switch (input.network.mode) {
    case 'gateway':
      return split.length > 0 ? dedupe([...subnets, ...split]) : ['0.0.0.0/0', '::/0'];
    case 'site-to-site':
      return dedupe([...subnets, ...(input.otherSiteNetworks ?? []), ...split]);
    case 'hub-routed':
      return dedupe([...subnets, ...split]);
  }
}

/** clientConfig builds the model of the peer's .conf file. */
export function clientConfig(input: ClientConfigInput): WgQuickConfig {
  const { host, port } = parseHostPort(input.endpointHost);
  return {
    interface: {
      privateKey: input.privateKey,
      addresses: peerHostCidrs(input.peer),
      dns: [...input.network.dns],
      dnsSearch: [],
      mtu: input.network.mtu,
      listenPort: null,
    },
    peers: [
      {
        name: null,
        publicKey: input.network.publicKey,
        presharedKey: input.presharedKey,
        allowedIps: clientAllowedIps(input),
        endpoint: formatHostPort(host, port ?? input.network.listenPort),
        persistentKeepalive: input.peer.persistentKeepalive > 0 ? input.peer.persistentKeepalive : null,
      },
    ],
  };
}

/** renderClientConfig is the downloadable .conf text of a peer. */
export function renderClientConfig(input: ClientConfigInput): string {
  return renderWgQuick(clientConfig(input), [`wgpilot: peer '${oneLine(input.peer.name)}' of network '${oneLine(input.network.name)}'`]);
}

/** siteNetworksOfOthers collects the site networks of a network's other active site gateways. */
export function siteNetworksOfOthers(
  peer: Pick<Peer, 'id'>,
  peers: readonly Pick<Peer, 'id' | 'role' | 'siteNetworks' | 'enabled'>[],
): string[] {
  return dedupe(peers.filter((p) => p.id !== peer.id && p.enabled && p.role === 'site-gateway').flatMap((p) => p.siteNetworks));
}

/** configFileName is a safe download name: "wgpilot-office-laptop.conf". */
export function configFileName(networkName: string, peerName: string): string {
  const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'peer';
  return `wgpilot-${slug(networkName)}-${slug(peerName)}.conf`;
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** A name inside a comment must not end the comment early or start a new line. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
