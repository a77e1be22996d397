/**
 * Version facts of this agent build. The bundler replaces `__WGPILOT_VERSION__` with the
 * package version; unbundled runs (tests under tsx/vitest) report "0.0.0-dev".
 */
declare const __WGPILOT_VERSION__: string | undefined;

export const AGENT_VERSION: string =
  typeof __WGPILOT_VERSION__ === 'string' ? __WGPILOT_VERSION__ : '0.0.0-dev';

/** Bumped whenever the wire protocol between desktop and agent changes incompatibly. */
export const PROTOCOL_VERSION = 1;

/** What `wgpilot-agent version --json` prints. */
export interface AgentInfo {
  version: string;
  protocol: number;
  node: string;
  platform: string;
}
