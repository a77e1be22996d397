/**
 * `wgpilot-agent install-service [--launcher P] [--state-dir D] [--unit-dir U]`: writes the
 * systemd unit (template build/wgpilot-agent.service, shipped next to agent.mjs in the bundle)
 * pointing at this installed launcher, and prints what it did and what to run next. It does not
 * start anything: enabling a root daemon is the admin's call.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag, stateDir } from './options.js';

export const UNIT_NAME = 'wgpilot-agent.service';
const DEFAULT_UNIT_DIR = '/etc/systemd/system';

/** Where the template is: beside agent.mjs in the bundle, or in build/ of a source checkout. */
const TEMPLATE_CANDIDATES = [new URL(`./${UNIT_NAME}`, import.meta.url), new URL(`../../../build/${UNIT_NAME}`, import.meta.url)];

/**
 * systemdQuote makes one ExecStart argument: bare when it is plain, else double-quoted with `\`
 * and `"` escaped; `%` is doubled in both cases because systemd expands specifiers everywhere.
 */
export function systemdQuote(arg: string): string {
  if (/[\n\r]/.test(arg)) throw new Error(`a path with a line break cannot go into a unit file: ${JSON.stringify(arg)}`);
  const escaped = arg.replace(/%/g, '%%');
  return /^[A-Za-z0-9/._+@:%-]+$/.test(arg) ? escaped : `"${escaped.replace(/[\\"]/g, '\\$&')}"`;
}

export function renderUnit(template: string, launcher: string, state: string): string {
  return template.replaceAll('@LAUNCHER@', systemdQuote(launcher)).replaceAll('@STATE_DIR@', systemdQuote(state));
}

/** The launcher beside the running agent.mjs (bundle layout), if there is one. */
function bundledLauncher(): string | undefined {
  const candidate = path.join(path.dirname(fileURLToPath(import.meta.url)), 'wgpilot-agent');
  return fs.existsSync(candidate) ? candidate : undefined;
}

export async function installService(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('wgpilot-agent install-service: must run as root (it writes a systemd unit); try sudo\n');
    return 1;
  }
  const launcher = flag(args, '--launcher') ?? bundledLauncher();
  if (!launcher) {
    process.stderr.write('wgpilot-agent install-service: not running from an installed bundle; pass --launcher /path/to/wgpilot-agent\n');
    return 2;
  }
  const templateUrl = TEMPLATE_CANDIDATES.find((u) => fs.existsSync(u));
  if (!templateUrl) throw new Error(`unit template ${UNIT_NAME} not found next to the agent`);
  const state = stateDir(args, env);
  const unit = renderUnit(fs.readFileSync(templateUrl, 'utf8'), path.resolve(launcher), state);

  const unitDir = flag(args, '--unit-dir') ?? DEFAULT_UNIT_DIR;
  const target = path.join(unitDir, UNIT_NAME);
  const existed = fs.existsSync(target);
  const tmp = `${target}.tmp-${process.pid}`;
  fs.mkdirSync(unitDir, { recursive: true });
  fs.writeFileSync(tmp, unit, { mode: 0o644 });
  fs.renameSync(tmp, target);
  process.stdout.write(
    `${existed ? 'replaced' : 'wrote'} ${target}\n` +
      `  ExecStart=${systemdQuote(path.resolve(launcher))} serve --state-dir ${systemdQuote(state)}\n` +
      `next: systemctl daemon-reload && systemctl enable --now wgpilot-agent\n`,
  );
  return 0;
}
