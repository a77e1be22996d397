/**
 * Running things as root on a host over SSH: directly for root logins, else through sudo
 * (privilege.ts says how). Shared by the agent session (a long-lived channel) and the agent
 * installation (short commands).
 */
import type { ClientChannel } from 'ssh2';
import { classifySudoFailure, PrivilegeError, rejectedPassword, rootCommand, sudoPrompt, type PrivilegeMode } from './privilege.js';
import type { ExecResult, SshSession } from './ssh.js';

/** How much of a channel's stderr is kept for messages and sudo's answers. */
export const STDERR_TAIL_BYTES = 2048;

export interface SudoWatchOptions {
  mode: PrivilegeMode;
  /** The marker the command was started with (rootCommand's `prompt`). */
  prompt: string;
  password?: string | undefined;
  /** Each stderr chunk, with sudo's prompt marker taken out. */
  onStderr?: ((text: string) => void) | undefined;
}

/**
 * Reads a channel's stderr (it must be read, or a chatty command stalls the channel) and, in
 * sudo-password mode, answers sudo's prompt with the password — only when the prompt shows,
 * once. A second prompt or "Sorry, try again." is a wrong password: the channel is closed, as
 * sudo would otherwise wait for another try. `tail()` is the end of stderr, prompt markers out.
 */
export function watchSudo(channel: ClientChannel, opts: SudoWatchOptions): { tail(): string } {
  const { prompt } = opts;
  let tail = '';
  let scan = '';
  let prompts = 0;
  channel.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail = (tail + text.split(prompt).join('')).slice(-STDERR_TAIL_BYTES);
    opts.onStderr?.(text.split(prompt).join(''));
    if (opts.mode !== 'sudo-password') return;
    let asked = 0;
    scan += text;
    for (let at = scan.indexOf(prompt); at !== -1; at = scan.indexOf(prompt)) {
      asked++;
      scan = scan.slice(at + prompt.length);
    }
    scan = scan.slice(-(prompt.length - 1));
    prompts += asked;
    if (rejectedPassword(tail) || prompts > 1) channel.close();
    else if (asked > 0) channel.write(`${opts.password ?? ''}\n`);
  });
  return { tail: () => tail };
}

export interface RootExecOptions {
  /** Start with this mode (default: root for root, else `sudo -n`, then sudo with the password). */
  mode?: PrivilegeMode | undefined;
  sudoPassword?: string | undefined;
}

/**
 * Runs `argv` as root to completion. Returns its result and the privilege mode that worked, or
 * throws the PrivilegeError sudo's answer stands for (SUDO_PASSWORD_REQUIRED when it needs a
 * password the session does not have). A failure of the command itself is its result.
 */
export async function execAsRoot(ssh: SshSession, argv: readonly string[], opts: RootExecOptions = {}): Promise<{ result: ExecResult; mode: PrivilegeMode }> {
  const first: PrivilegeMode = ssh.username === 'root' ? 'root' : (opts.mode ?? 'sudo') === 'sudo-password' && opts.sudoPassword !== undefined ? 'sudo-password' : 'sudo';
  const once = async (mode: PrivilegeMode): Promise<ExecResult> => {
    const prompt = sudoPrompt();
    const channel = await ssh.openChannel(rootCommand(argv, mode, prompt));
    const sudo = watchSudo(channel, { mode, prompt, password: opts.sudoPassword });
    // Only sudo-password mode writes (the password, once sudo asks); otherwise stdin is at EOF.
    if (mode !== 'sudo-password') channel.end();
    const out: Buffer[] = [];
    let code: number | null = null;
    let signal: string | null = null;
    channel.on('data', (d: Buffer) => out.push(d));
    channel.on('exit', (c: number | null, s?: string) => ((code = c), (signal = s ?? null)));
    await new Promise<void>((resolve) => channel.on('close', () => resolve()));
    const result = { code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: sudo.tail() };
    if (mode !== 'root' && code !== 0) {
      const why = classifySudoFailure(result.stderr, code, { user: ssh.username, host: ssh.host });
      if (why) throw why;
    }
    return result;
  };
  try {
    return { result: await once(first), mode: first };
  } catch (err) {
    if (!(err instanceof PrivilegeError) || err.code !== 'SUDO_PASSWORD_REQUIRED' || first !== 'sudo' || opts.sudoPassword === undefined) throw err;
    return { result: await once('sudo-password'), mode: 'sudo-password' };
  }
}
