/**
 * Where the desktop keeps its files. WGPILOT_DATA_DIR overrides the data folder so tests and
 * several instances can run side by side.
 */
import os from 'node:os';
import { DEFAULT_INSTALL_DIR } from './agent-deploy.js';
import path from 'node:path';

export interface AppPaths {
  dataDir: string;
  /** The desktop's rotating log (log-file.ts): <data dir>/logs. */
  logDir: string;
  knownHostsPath: string;
  /** Folder holding the agent bundles built for hosts (dist/agent in a checkout). */
  agentDistDir: string;
  /** Where agents are installed on hosts, root-owned (WGPILOT_REMOTE_AGENT_DIR; tests keep it in the lab). */
  remoteAgentDir: string;
}

export function appPaths(appRoot: string, env: NodeJS.ProcessEnv = process.env): AppPaths {
  const dataDir = env.WGPILOT_DATA_DIR ?? path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'wgpilot');
  return {
    dataDir,
    logDir: path.join(dataDir, 'logs'),
    knownHostsPath: path.join(dataDir, 'known_hosts'),
    agentDistDir: env.WGPILOT_AGENT_DIST ?? path.join(appRoot, 'dist', 'agent'),
    remoteAgentDir: env.WGPILOT_REMOTE_AGENT_DIR ?? DEFAULT_INSTALL_DIR,
  };
}
