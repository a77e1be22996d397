/**
 * Desktop cores against the lab: `useLab` gives a test the lab's status, bringing the lab up
 * first when nobody has (and taking it down again afterwards only in that case, so a lab that
 * others use is left as found); `labHosts` builds a HostManager with its own data folder that
 * trusts the lab's known_hosts and reads the lab's ssh_config (aliases `lab`, `lab-out`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostManager, type HostManagerOptions, type HostStateEvent } from '../../src-main/core/hosts.js';
import { appPaths } from '../../src-main/core/paths.js';
import type { SecretStore } from '../../src-main/core/secrets.js';
import { Lab, type LabOptions, type LabStatus } from '../lab/lab.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface UsedLab {
  status: LabStatus;
  /** Takes the lab down if this call brought it up. */
  release(): Promise<void>;
}

export async function useLab(options: LabOptions = { name: process.env.WGPILOT_LAB_NAME }): Promise<UsedLab> {
  const lab = new Lab(options);
  let status = await lab.status();
  const broughtUp = !status.up;
  if (broughtUp) status = await lab.up();
  return { status, release: async () => (broughtUp ? lab.down() : undefined) };
}

export interface LabHosts {
  hosts: HostManager;
  dataDir: string;
  /** Everything the manager logged (messages and fields, JSON), for the secrets test. */
  logs: string[];
  /** Every state event, in order. */
  states: HostStateEvent[];
  dispose(): void;
}

/**
 * A desktop core for the lab. Agents go to `<lab dir>/agent-install-desktop` unless
 * `remoteAgentDir` says otherwise — never the machine's /usr/local. The lab dir is root's (0711),
 * so it is a valid root-owned install dir for root and sudo users alike.
 */
export function labHosts(lab: LabStatus, opts: HostManagerOptions & { secretsIn?: (dataDir: string) => SecretStore } = {}): LabHosts {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-desktop-'));
  const logs: string[] = [];
  const states: HostStateEvent[] = [];
  const paths = appPaths(repoRoot, { WGPILOT_DATA_DIR: dataDir });
  const hosts = new HostManager(paths, {
    userKnownHostsPaths: [lab.host.knownHostsPath],
    sshConfigPath: lab.host.sshConfigPath,
    remoteAgentDir: path.join(lab.dir, 'agent-install-desktop'),
    log: (msg, fields) => logs.push(`${msg} ${JSON.stringify(fields ?? {})}`),
    ...opts,
    ...(opts.secretsIn ? { secrets: opts.secretsIn(dataDir) } : {}),
  });
  const off = hosts.onState((e) => states.push(e));
  return {
    hosts,
    dataDir,
    logs,
    states,
    dispose() {
      off();
      hosts.closeAll();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
