/**
 * `wgpilot-agent install-service [--launcher P] [--config F] [--state-dir D] [--unit-dir U]`:
 * writes the systemd unit (template build/wgpilot-agent.service, shipped next to agent.mjs in
 * the bundle) pointing at this installed launcher, and prints what it did and what to run next.
 * It does not start anything: enabling a root daemon is the admin's call.
 *
 * The unit passes `--config` and `--state-dir` to the daemon only when they were given here (by
 * flag or environment); otherwise the daemon reads /etc/wgpilot/agent.json at each start, so
 * editing the config file is enough to change it. The config is checked now, so a broken one
 * is reported at install time rather than by a failing service.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OptionValues } from './args.js';
import { resolveSettings } from './options.js';
import { EXIT } from './specs.js';

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

/** renderUnit fills the template: `ExecStart=<launcher> serve <serveArgs…>`, each argument quoted. */
export function renderUnit(template: string, launcher: string, serveArgs: readonly string[]): string {
  return template.replaceAll('@EXEC_START@', [launcher, 'serve', ...serveArgs].map(systemdQuote).join(' '));
}

/** The launcher beside the running agent.mjs (bundle layout), if there is one. */
function bundledLauncher(): string | undefined {
  const candidate = path.join(path.dirname(fileURLToPath(import.meta.url)), 'wgpilot-agent');
  return fs.existsSync(candidate) ? candidate : undefined;
}

/** The daemon's arguments: `--config`/`--state-dir` when given to install-service, absolute. */
export function serveArgs(values: OptionValues, env: NodeJS.ProcessEnv): string[] {
  const config = typeof values.config === 'string' ? values.config : env.WGPILOT_CONFIG || undefined;
  const state = typeof values['state-dir'] === 'string' ? values['state-dir'] : env.WGPILOT_STATE_DIR || undefined;
  return [...(config ? ['--config', path.resolve(config)] : []), ...(state ? ['--state-dir', path.resolve(state)] : [])];
}

export async function installService(values: OptionValues, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  resolveSettings('install-service', values, env);
  if (process.getuid?.() !== 0) {
    process.stderr.write('wgpilot-agent install-service: must run as root (it writes a systemd unit); try sudo\n');
    return EXIT.failure;
  }
  const launcher = typeof values.launcher === 'string' ? values.launcher : bundledLauncher();
  if (!launcher) {
    process.stderr.write('wgpilot-agent install-service: not running from an installed bundle; pass --launcher /path/to/wgpilot-agent\n');
    return EXIT.usage;
  }
  const templateUrl = TEMPLATE_CANDIDATES.find((u) => fs.existsSync(u));
  if (!templateUrl) throw new Error(`unit template ${UNIT_NAME} not found next to the agent`);
  const args = serveArgs(values, env);
  const unit = renderUnit(fs.readFileSync(templateUrl, 'utf8'), path.resolve(launcher), args);

  const unitDir = typeof values['unit-dir'] === 'string' ? values['unit-dir'] : DEFAULT_UNIT_DIR;
  const target = path.join(unitDir, UNIT_NAME);
  const existed = fs.existsSync(target);
  const tmp = `${target}.tmp-${process.pid}`;
  fs.mkdirSync(unitDir, { recursive: true });
  fs.writeFileSync(tmp, unit, { mode: 0o644 });
  fs.renameSync(tmp, target);
  process.stdout.write(
    `${existed ? 'replaced' : 'wrote'} ${target}\n` +
      `  ExecStart=${[path.resolve(launcher), 'serve', ...args].map(systemdQuote).join(' ')}\n` +
      `next: systemctl daemon-reload && systemctl enable --now wgpilot-agent\n`,
  );
  return EXIT.ok;
}
