/**
 * Parser for `wg show <dev> dump`, the oracle the WireGuard tests compare the backends with.
 * Format (wg(8), "dump"): first line "private public listen-port fwmark", then one line per peer
 * "public preshared endpoint allowed-ips latest-handshake rx tx keepalive", tab-separated; keys
 * base64, "(none)" for absent values, "off" for keepalive 0, fwmark "off" or hex.
 */
import { formatEndpoint } from '../../../agent/src/wireguard/ip.js';
import type { Device } from '../../../agent/src/wireguard/types.js';

export interface DumpPeer {
  publicKey: string;
  presharedKey: string | null;
  endpoint: string | null;
  allowedIPs: string[];
  latestHandshake: number;
  rxBytes: bigint;
  txBytes: bigint;
  persistentKeepalive: number;
}

export interface DumpDevice {
  privateKey: string | null;
  publicKey: string | null;
  listenPort: number;
  fwmark: number;
  peers: DumpPeer[];
}

const none = (s: string | undefined): string | null => (s === undefined || s === '(none)' ? null : s);

export function parseWgDump(text: string): DumpDevice {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const [dev, ...peers] = lines.map((l) => l.split('\t'));
  if (!dev || dev.length !== 4) throw new Error(`not a wg dump: ${JSON.stringify(text.slice(0, 200))}`);
  return {
    privateKey: none(dev[0]),
    publicKey: none(dev[1]),
    listenPort: Number(dev[2]),
    fwmark: dev[3] === 'off' ? 0 : Number(dev[3]),
    peers: peers.map((p) => {
      if (p.length !== 8) throw new Error(`bad peer line: ${p.join('\t')}`);
      return {
        publicKey: p[0] ?? '',
        presharedKey: none(p[1]),
        endpoint: none(p[2]),
        allowedIPs: p[3] === '(none)' ? [] : (p[3] ?? '').split(','),
        latestHandshake: Number(p[4]),
        rxBytes: BigInt(p[5] ?? '0'),
        txBytes: BigInt(p[6] ?? '0'),
        persistentKeepalive: p[7] === 'off' ? 0 : Number(p[7]),
      };
    }),
  };
}

/** deviceAsDump renders our Device the way `wg show dump` would, peers sorted by key. */
export function deviceAsDump(d: Device): DumpDevice {
  return sortDump({
    privateKey: d.privateKey?.toBase64() ?? null,
    publicKey: d.publicKey?.toBase64() ?? null,
    listenPort: d.listenPort,
    fwmark: d.firewallMark,
    peers: d.peers.map((p) => ({
      publicKey: p.publicKey.toBase64(),
      presharedKey: p.presharedKey?.toBase64() ?? null,
      endpoint: p.endpoint ? formatEndpoint(p.endpoint) : null,
      allowedIPs: p.allowedIPs,
      latestHandshake: p.lastHandshakeTime ? Math.floor(p.lastHandshakeTime.getTime() / 1000) : 0,
      rxBytes: p.receiveBytes,
      txBytes: p.transmitBytes,
      persistentKeepalive: p.persistentKeepaliveInterval,
    })),
  });
}

/** sortDump orders peers by public key: neither wireguard-go nor wg(8) keeps a stable order. */
export function sortDump(d: DumpDevice): DumpDevice {
  return { ...d, peers: [...d.peers].sort((a, b) => a.publicKey.localeCompare(b.publicKey)) };
}
