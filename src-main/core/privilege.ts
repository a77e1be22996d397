/**
 * How the agent gets root on a host. Root logins run it as is; other users go through sudo:
 * first `sudo -n` (works with NOPASSWD rules), and only when sudo answers "a password is
 * required" with `sudo -S -p <prompt>`, the password written to the channel's stdin once sudo
 * has printed that prompt.
 *
 * Design decisions:
 * - The password only ever travels inside the SSH channel, to sudo's stdin. It is never put on a
 *   command line (visible in `ps`), in the environment, a file or a log.
 * - It is written only after sudo asked: the prompt is a marker with a random nonce
 *   (`sudoPrompt`), and the password goes out when that marker shows on stderr. Where sudo does
 *   not ask (a NOPASSWD rule since the last session, a cached credential) nothing is written, so
 *   the password can never be passed on to the agent as a stray input line (and logged there).
 * - A second prompt, or "Sorry, try again.", means a wrong password: the channel is closed at
 *   once rather than letting sudo wait for another attempt.
 */
import { randomBytes } from 'node:crypto';
import { shellQuote } from './ssh.js';

/** How the agent was (or is to be) started: directly, `sudo -n`, or `sudo -S` with a password. */
export type PrivilegeMode = 'root' | 'sudo' | 'sudo-password';

export type PrivilegeErrorCode = 'SUDO_PASSWORD_REQUIRED' | 'SUDO_PASSWORD_WRONG' | 'SUDO_NOT_ALLOWED' | 'SUDO_MISSING';

/** Why the agent could not get root on a host; `code` is stable for the UI. */
export class PrivilegeError extends Error {
  override readonly name = 'PrivilegeError';
  constructor(
    readonly code: PrivilegeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A sudo prompt no other program prints: `[wgpilot-sudo:<nonce>]` (no `%`, which sudo expands). */
export function sudoPrompt(): string {
  return `[wgpilot-sudo:${randomBytes(9).toString('hex')}]`;
}

/**
 * The shell command that runs `argv` as root in `mode`; `prompt` (sudo-password mode) is what
 * sudo prints on stderr when it wants the password.
 */
export function rootCommand(argv: readonly string[], mode: PrivilegeMode, prompt = sudoPrompt()): string {
  const quoted = argv.map(shellQuote).join(' ');
  // `exec` so the command (or sudo, which execs it) replaces the login shell.
  if (mode === 'root') return `exec ${quoted}`;
  if (mode === 'sudo') return `exec sudo -n ${quoted}`;
  return `exec sudo -S -p ${shellQuote(prompt)} ${quoted}`;
}

/**
 * The shell command that starts the agent's stdio carrier in `mode`; with `verify` (the SHA-256
 * of the install's SHA256SUMS) the launcher checks the install, as root, before it runs anything.
 */
export function agentCommand(launcher: string, args: readonly string[], mode: PrivilegeMode, prompt?: string, verify?: string): string {
  return rootCommand([launcher, ...(verify ? ['--verify', verify] : []), 'stdio', ...args], mode, prompt);
}

/** Text sudo prints when it needs a password and may not ask (`-n`). */
const PASSWORD_REQUIRED = /a password is required/i;
/** sudo -S after a wrong password line. */
const PASSWORD_WRONG = /Sorry, try again|incorrect password attempt/i;
const NOT_ALLOWED = /is not in the sudoers file|is not allowed to (execute|run sudo)|may not run sudo/i;
const MISSING = /sudo: (command )?not found|sudo: No such file/i;

/**
 * Names a sudo failure from the start of the agent channel's stderr (and the exit status), or
 * returns null when the failure is not sudo's.
 */
export function classifySudoFailure(stderr: string, exitCode: number | null, who: { user: string; host: string }): PrivilegeError | null {
  const at = `${who.user}@${who.host}`;
  if (NOT_ALLOWED.test(stderr)) return new PrivilegeError('SUDO_NOT_ALLOWED', `${at} may not use sudo to run the agent as root; ask the host's admin for a sudoers rule, or log in as root.`);
  if (PASSWORD_WRONG.test(stderr)) return new PrivilegeError('SUDO_PASSWORD_WRONG', `sudo on ${who.host} did not accept the password for ${who.user}.`);
  if (PASSWORD_REQUIRED.test(stderr)) return new PrivilegeError('SUDO_PASSWORD_REQUIRED', `sudo on ${who.host} needs ${who.user}'s password to run the agent as root.`);
  if (MISSING.test(stderr) || exitCode === 127) return new PrivilegeError('SUDO_MISSING', `${who.host} has no sudo, so ${who.user} cannot run the agent as root; install sudo or log in as root.`);
  return null;
}

/** Whether stderr already shows that sudo rejected the password (close the channel early). */
export const rejectedPassword = (stderr: string): boolean => PASSWORD_WRONG.test(stderr);
