/**
 * Turns what the admin picked — a saved profile, an `~/.ssh/config` alias, or an address typed
 * into the form — into the chain of SSH hops to open: jump hosts first (ProxyJump order), the
 * target last. Each hop carries its own address, user and key, as OpenSSH resolves every
 * ProxyJump host through the config on its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { AuthKind, HostProfile } from './profiles.js';
import { parseProxyJump, resolveSshHost, type JumpHost, type ResolvedSshHost } from './ssh-config.js';
import type { HostKeyPolicy } from './ssh.js';

/** One SSH connection to open. Secrets are added at connect time, never stored here. */
export interface Hop {
  host: string;
  port: number;
  username: string;
  auth: AuthKind;
  privateKeyPath?: string | undefined;
  /** Where its host key is looked up and how an unknown one is treated; absent: the app's defaults. */
  hostKeys?: HostKeyPolicy | undefined;
}

export interface ConnectTarget {
  /** Shown in states and messages: the profile's name, the alias, or user@host. */
  label: string;
  profileId?: string | undefined;
  alias?: string | undefined;
  /** Jump hosts in order, then the target. */
  hops: Hop[];
}

/** Where profiles and aliases are resolved from (tests point at the lab's config). */
export interface ResolveOptions {
  sshConfigPath?: string | undefined;
  home?: string | undefined;
  /** The ssh binary that resolves aliases (`ssh -G`); null = wgpilot's own parser. */
  sshBinary?: string | null | undefined;
}

const resolveAlias = (alias: string, opts: ResolveOptions) => resolveSshHost(alias, { configPath: opts.sshConfigPath, home: opts.home, sshBinary: opts.sshBinary });

/** The host-key options an alias's config sets (UserKnownHostsFile, GlobalKnownHostsFile, StrictHostKeyChecking, HostKeyAlias). */
function hostKeysOf(r: ResolvedSshHost): HostKeyPolicy {
  return { userKnownHostsPaths: r.userKnownHostsFiles, globalKnownHostsPaths: r.globalKnownHostsFiles, strictHostKeyChecking: r.strictHostKeyChecking, hostKeyAlias: r.hostKeyAlias };
}

/** What the connect form sends when no profile is used (the form's fields, or just an alias). */
export type AdHocTarget = Omit<HostProfile, 'id' | 'name'> & { name?: string | undefined };

const localUser = () => os.userInfo().username;

/** The first identity file that exists (ssh skips missing ones too). */
function firstExisting(files: readonly string[]): string | undefined {
  return files.find((f) => fs.existsSync(f));
}

/**
 * A jump spec resolved like ssh does: the spec's own user/port win, then the config of the
 * jump host's name taken as an alias; its key is its config's IdentityFile, else the target's.
 */
function jumpHop(j: JumpHost, fallback: Pick<Hop, 'auth' | 'privateKeyPath'>, opts: ResolveOptions): Hop {
  const r = resolveAlias(j.host, opts);
  const key = firstExisting(r.identityFiles);
  return {
    host: r.hostName,
    port: j.port ?? r.port,
    username: j.user ?? r.user ?? localUser(),
    auth: key ? 'key' : fallback.auth === 'password' ? 'agent' : fallback.auth,
    privateKeyPath: key ?? fallback.privateKeyPath,
    hostKeys: hostKeysOf(r),
  };
}

/** Resolves a profile (or the ad-hoc form) into hops. */
export function resolveTarget(p: AdHocTarget & { id?: string | undefined }, opts: ResolveOptions = {}): ConnectTarget {
  const r = p.alias ? resolveAlias(p.alias, opts) : undefined;
  const host = p.host || r?.hostName || '';
  const port = r && p.port === 22 ? r.port : p.port;
  const username = p.user || r?.user || localUser();
  const aliasKey = r ? firstExisting(r.identityFiles) : undefined;
  // An alias with an IdentityFile means key auth unless the profile says otherwise explicitly.
  const auth: AuthKind = p.keyPath ? 'key' : aliasKey && p.auth !== 'password' ? 'key' : p.auth;
  const target: Hop = { host, port, username, auth, privateKeyPath: auth === 'key' ? (p.keyPath ?? aliasKey) : undefined, ...(r ? { hostKeys: hostKeysOf(r) } : {}) };
  const jumps = p.jump ? parseProxyJump(p.jump) : (r?.proxyJump ?? []);
  return {
    label: p.name ?? p.alias ?? `${username}@${host}`,
    profileId: p.id,
    alias: p.alias,
    hops: [...jumps.map((j) => jumpHop(j, target, opts)), target],
  };
}
