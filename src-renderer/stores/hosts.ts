/**
 * useHostsStore: the desktop's side of hosts — saved profiles, `~/.ssh/config` aliases, every
 * connection's live state (from the `hosts.state` subscription) and the connect flow with its
 * prompts: trust an unknown host key (fingerprint), a changed host key (the old and new
 * fingerprints; forgotten only when the admin says they checked), the sudo password, a key passphrase.
 * Each connect attempt gets a fresh host id chosen here, so the UI follows its deployment
 * progress from the first event.
 */
import type { HostStateEvent } from '../../src-main/core/hosts.js';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ConnectInput, HostInfo, HostProfile, ProfileInput } from '../lib/agent-types.js';
import { describeError, type UiError } from '../lib/errors.js';
import { optimistic } from '../lib/optimistic.js';
import { useNoticesStore } from './notices.js';
import { useRpcStore } from './rpc.js';

export type ConnectRequest = Omit<ConnectInput, 'hostId'>;

/** A question the connect flow must ask before it can go on. */
export type ConnectPrompt =
  | { kind: 'host-key'; request: ConnectRequest; hostKey: NonNullable<UiError['hostKey']> }
  | { kind: 'host-key-changed'; request: ConnectRequest; hostKey: NonNullable<UiError['hostKey']>; remaining?: string[] | undefined }
  | { kind: 'sudo'; request: ConnectRequest; wrong: boolean }
  | { kind: 'passphrase'; request: ConnectRequest; wrong: boolean };

/** Where a connection came from, to show its state next to the profile or alias. */
export interface Attempt {
  hostId: string;
  profileId?: string | undefined;
  alias?: string | undefined;
  label: string;
  error?: UiError | undefined;
}

const newHostId = () => (globalThis.crypto?.randomUUID?.() ?? `h-${Date.now()}-${Math.random().toString(36).slice(2)}`);

export const useHostsStore = defineStore('hosts', () => {
  const rpc = useRpcStore();
  const notices = useNoticesStore();
  const profiles = ref<HostProfile[]>([]);
  const aliases = ref<string[]>([]);
  const states = ref<Record<string, HostStateEvent>>({});
  const infos = ref<Record<string, HostInfo>>({});
  const attempts = ref<Record<string, Attempt>>({});
  const activeHostId = ref<string | null>(null);
  const prompt = ref<ConnectPrompt | null>(null);
  /** Whether "remember" can keep SSH secrets on this desktop, and if not, why (from app.info). */
  const secretStorage = ref<{ persistent: boolean; reason?: string | undefined }>({ persistent: false });
  let stateSub: { unsubscribe(): void } | null = null;

  const connections = computed(() => Object.values(infos.value));
  /** Hosts whose agent is reachable now (or again being reached): their domain data is loaded. */
  const liveIds = computed(() => Object.keys(infos.value).filter((id) => states.value[id]?.state.status !== 'disconnected'));
  const active = computed(() => (activeHostId.value ? infos.value[activeHostId.value] : undefined));

  /** The newest attempt for a profile (or alias), for its row in the hosts list. */
  function attemptFor(key: { profileId?: string; alias?: string }): Attempt | undefined {
    return Object.values(attempts.value)
      .filter((a) => (key.profileId ? a.profileId === key.profileId : a.alias === key.alias && !a.profileId))
      .at(-1);
  }

  function stateOf(hostId: string | undefined): HostStateEvent['state'] | undefined {
    return hostId ? states.value[hostId]?.state : undefined;
  }

  async function hydrate(): Promise<void> {
    const d = rpc.desktop();
    stateSub ??= d.hosts.state.subscribe(undefined, { onData: onState, onError: (err) => notices.report(err, 'Host state') });
    const [p, a, l, i] = await Promise.allSettled([d.profiles.list.query(), d.hosts.aliases.query(), d.hosts.list.query(), d.app.info.query()]);
    if (i.status === 'fulfilled' && i.value?.secrets) secretStorage.value = i.value.secrets;
    if (p.status === 'fulfilled') profiles.value = p.value;
    else notices.report(p.reason, 'Load host profiles');
    if (a.status === 'fulfilled') aliases.value = a.value;
    if (l.status === 'fulfilled') for (const info of l.value) infos.value[info.id] = info;
    activeHostId.value ??= connections.value[0]?.id ?? null;
  }

  function dehydrate(): void {
    stateSub?.unsubscribe();
    stateSub = null;
  }

  function onState(e: HostStateEvent): void {
    states.value[e.hostId] = e;
    if (e.state.status === 'disconnected') {
      delete infos.value[e.hostId];
      if (activeHostId.value === e.hostId) activeHostId.value = connections.value[0]?.id ?? null;
      const attempt = attempts.value[e.hostId];
      if (attempt && e.state.error) attempt.error = describeError({ message: e.state.error.message, data: { appCode: e.state.error.code } });
    }
  }

  /** Connects; returns the host's info, or null when a prompt or an error stopped it. */
  async function connect(request: ConnectRequest): Promise<HostInfo | null> {
    const hostId = newHostId();
    const profile = request.profileId ? profiles.value.find((p) => p.id === request.profileId) : undefined;
    const label = profile?.name ?? request.alias ?? `${request.username ?? ''}@${request.host ?? ''}`;
    attempts.value[hostId] = { hostId, profileId: request.profileId, alias: request.alias, label };
    prompt.value = null;
    try {
      const info = await rpc.desktop().hosts.connect.mutate({ ...request, hostId });
      infos.value[info.id] = info;
      activeHostId.value = info.id;
      return info;
    } catch (err) {
      const e = describeError(err);
      if (e.code === 'HOST_KEY_UNKNOWN' && e.hostKey) prompt.value = { kind: 'host-key', request, hostKey: e.hostKey };
      else if (e.code === 'HOST_KEY_CHANGED' && e.hostKey?.knownKeys?.length) prompt.value = { kind: 'host-key-changed', request, hostKey: e.hostKey };
      else if (e.code === 'SUDO_PASSWORD_REQUIRED' || e.code === 'SUDO_PASSWORD_WRONG') prompt.value = { kind: 'sudo', request, wrong: e.code === 'SUDO_PASSWORD_WRONG' };
      else if (e.code === 'PASSPHRASE_REQUIRED' || e.code === 'PASSPHRASE_WRONG') prompt.value = { kind: 'passphrase', request, wrong: e.code === 'PASSPHRASE_WRONG' };
      const attempt = attempts.value[hostId];
      if (attempt) attempt.error = prompt.value ? undefined : e;
      return null;
    }
  }

  /**
   * The admin checked the new fingerprint of a CHANGED host key on the host: forget the old
   * keys shown (only those) and connect again trusting the new one. Keys the desktop may not
   * remove (system-wide known_hosts) stay, and the prompt lists where.
   */
  async function forgetChangedKey(): Promise<HostInfo | null> {
    const p = prompt.value;
    if (p?.kind !== 'host-key-changed') return null;
    const { profileId, alias, host, port, username, jump } = p.request;
    try {
      const r = await rpc.desktop().hosts.forgetHostKey.mutate({
        profileId,
        alias,
        host,
        port,
        username,
        jump,
        keyHost: { host: p.hostKey.host, port: p.hostKey.port },
        fingerprints: (p.hostKey.knownKeys ?? []).map((k) => k.fingerprint),
      });
      if (r.remaining.length > 0) {
        prompt.value = { ...p, remaining: r.remaining };
        return null;
      }
    } catch (err) {
      notices.report(err, 'Forget the old host key');
      return null;
    }
    return connect({ ...p.request, acceptHostKey: p.hostKey.fingerprint });
  }

  /** Answers the open prompt and connects again; `remember` keeps a passphrase in the OS keychain (never a sudo password). */
  function answer(value: string, remember = false): Promise<HostInfo | null> {
    const p = prompt.value;
    if (!p) return Promise.resolve(null);
    if (p.kind === 'host-key-changed') return forgetChangedKey();
    if (p.kind === 'host-key') return connect({ ...p.request, acceptHostKey: value });
    if (p.kind === 'sudo') return connect({ ...p.request, sudoPassword: value });
    return connect({ ...p.request, passphrase: value, ...(remember && secretStorage.value.persistent ? { remember: true } : {}) });
  }

  async function disconnect(hostId: string): Promise<void> {
    try {
      await rpc.desktop().hosts.disconnect.mutate({ id: hostId });
    } catch (err) {
      notices.report(err, 'Disconnect');
    }
    delete infos.value[hostId];
    if (activeHostId.value === hostId) activeHostId.value = connections.value[0]?.id ?? null;
  }

  /** Saves a profile (new without id); returns it, or the error for the form. */
  async function saveProfile(input: ProfileInput): Promise<HostProfile | UiError> {
    try {
      const saved = await rpc.desktop().profiles.save.mutate(input);
      const at = profiles.value.findIndex((p) => p.id === saved.id);
      if (at === -1) profiles.value.push(saved);
      else profiles.value[at] = saved;
      return saved;
    } catch (err) {
      return describeError(err);
    }
  }

  async function removeProfile(id: string): Promise<void> {
    await optimistic(
      () => {
        const before = profiles.value;
        profiles.value = before.filter((p) => p.id !== id);
        return () => (profiles.value = before);
      },
      () => rpc.desktop().profiles.remove.mutate({ id }),
      (err) => notices.report(err, 'Remove host profile'),
    );
  }

  return { profiles, aliases, secretStorage, states, infos, attempts, activeHostId, prompt, connections, liveIds, active, attemptFor, stateOf, hydrate, dehydrate, connect, answer, forgetChangedKey, disconnect, saveProfile, removeProfile };
});
