/**
 * The agent's command line without running a command: strict parsing of every subcommand
 * (unknown flags, missing values, stray arguments, --help), the exit statuses of main(), the
 * precedence flag > environment > config file > default, the config file's validation, and
 * the systemd unit rendering.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../agent/src/cli.js';
import { helpText, parseCommand, suggest, UsageError } from '../../../agent/src/commands/args.js';
import { ConfigError, DEFAULT_CONFIG_FILE, listenProblem, loadConfig, parseConfig } from '../../../agent/src/commands/config.js';
import { renderUnit, serveArgs, systemdQuote } from '../../../agent/src/commands/install-service.js';
import { DEFAULT_STATE_DIR, resolveSettings, socketPath } from '../../../agent/src/commands/options.js';
import { COMMANDS, EXIT, type CommandName } from '../../../agent/src/commands/specs.js';

const repo = path.resolve(import.meta.dirname, '../../..');
let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-cli-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function writeConfig(content: unknown): string {
  const file = path.join(tmp, 'agent.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** The message of the UsageError `fn` throws. */
function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

/** Runs main() with stdout/stderr captured. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const code = await main(argv, env);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('parsing, strict for every subcommand', () => {
  const commands = Object.keys(COMMANDS) as CommandName[];

  it.each(commands)('%s: refuses an unknown flag, naming it', (name) => {
    expect(usageMessage(() => parseCommand(name, ['--frobnicate']))).toBe('unknown option --frobnicate');
  });

  it.each(commands)('%s: --help and -h win over other problems', (name) => {
    expect(parseCommand(name, ['--frobnicate', '--help'])).toEqual({ help: true });
    expect(parseCommand(name, ['-h'])).toEqual({ help: true });
    expect(helpText(name)).toContain(`usage: wgpilot-agent ${name} `);
    for (const opt of Object.keys(COMMANDS[name].options)) expect(helpText(name)).toContain(`--${opt}`);
  });

  it('install-service --stat-dir X is refused (it used to install with the default state dir)', () => {
    expect(usageMessage(() => parseCommand('install-service', ['--stat-dir', 'X']))).toBe('unknown option --stat-dir (did you mean --state-dir?)');
  });

  it('serve: every option, in both spellings', () => {
    const r = parseCommand('serve', ['--state-dir', '/s', '--config=/c.json', '--log-level', 'debug', '--log-format=json', '--reconcile-interval', '5', '--metrics-listen', '127.0.0.1:9586', '--netns', 'n', '--interface-prefix', 'p', '--wireguard-go', '/w']);
    expect(r).toEqual({
      help: false,
      positionals: [],
      values: { 'state-dir': '/s', config: '/c.json', 'log-level': 'debug', 'log-format': 'json', 'reconcile-interval': '5', 'metrics-listen': '127.0.0.1:9586', netns: 'n', 'interface-prefix': 'p', 'wireguard-go': '/w' },
    });
    expect(usageMessage(() => parseCommand('serve', ['extra']))).toBe('unexpected argument "extra": serve takes options only');
    expect(usageMessage(() => parseCommand('serve', ['--state-dir']))).toBe('--state-dir needs a value (--state-dir DIR)');
    expect(usageMessage(() => parseCommand('serve', ['--state-dir', '--log-level', 'x']))).toBe('--state-dir needs a value (--state-dir DIR)');
  });

  it('stdio: the state and host options, no metrics, no positionals', () => {
    expect(parseCommand('stdio', ['--state-dir', '/s', '--netns', 'n'])).toMatchObject({ values: { 'state-dir': '/s', netns: 'n' } });
    expect(usageMessage(() => parseCommand('stdio', ['--metrics-listen', '127.0.0.1:1']))).toBe('unknown option --metrics-listen');
    expect(usageMessage(() => parseCommand('stdio', ['x']))).toContain('stdio takes options only');
  });

  it('call: procedure and input as positionals (JSON and - included), flags anywhere', () => {
    expect(parseCommand('call', ['networks.get', '{"id":1}', '--in-process', '--count', '3'])).toEqual({
      help: false,
      positionals: ['networks.get', '{"id":1}'],
      values: { 'in-process': true, count: '3' },
    });
    expect(parseCommand('call', ['--state-dir=/s', 'networks.import', '-'])).toMatchObject({ positionals: ['networks.import', '-'] });
    expect(usageMessage(() => parseCommand('call', ['a', 'b', 'c']))).toBe('unexpected argument "c"');
    expect(usageMessage(() => parseCommand('call', ['--in-process=yes']))).toBe('--in-process takes no value');
    expect(usageMessage(() => parseCommand('call', ['--count']))).toBe('--count needs a value (--count N)');
  });

  it('install-service and version: their own options only', () => {
    expect(parseCommand('install-service', ['--launcher', '/l', '--unit-dir', '/u', '--state-dir', '/s', '--config', '/c'])).toMatchObject({ values: { launcher: '/l', 'unit-dir': '/u' } });
    expect(usageMessage(() => parseCommand('install-service', ['--netns', 'x']))).toBe('unknown option --netns');
    expect(parseCommand('version', ['--json'])).toMatchObject({ values: { json: true } });
    expect(usageMessage(() => parseCommand('version', ['--jsn']))).toBe('unknown option --jsn (did you mean --json?)');
  });

  it('suggests only close names', () => {
    expect(suggest('stat-dir', ['state-dir', 'config'])).toBe('state-dir');
    expect(suggest('frobnicate', ['state-dir', 'config'])).toBeUndefined();
  });
});

describe('main: exit statuses', () => {
  it('0 for help and version, 2 for no command, an unknown command or a bad flag', async () => {
    expect((await run(['serve', '--help'])).code).toBe(EXIT.ok);
    expect((await run(['help', 'call'])).out).toContain('usage: wgpilot-agent call');
    expect(await run(['version'])).toMatchObject({ code: 0, out: expect.stringMatching(/^wgpilot-agent \d/) });
    expect((await run([])).code).toBe(EXIT.usage);
    expect(await run(['frob'])).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("unknown command 'frob'") });
    expect(await run(['help', 'frob'])).toMatchObject({ code: EXIT.usage });
    const bad = await run(['install-service', '--stat-dir', '/x']);
    expect(bad).toMatchObject({ code: EXIT.usage, out: '' });
    expect(bad.err).toBe('wgpilot-agent install-service: unknown option --stat-dir (did you mean --state-dir?)\n(`wgpilot-agent install-service --help` for usage)\n');
  });

  it('call reports usage errors as its JSON error line, exit 2 (like an unknown procedure)', async () => {
    const bad = await run(['call', 'networks.list', '--cont', '2']);
    expect(bad.code).toBe(EXIT.usage);
    expect(JSON.parse(bad.err)).toEqual({ error: { appCode: 'INVALID_INPUT', message: 'unknown option --cont (did you mean --count?)' } });
    const zero = await run(['call', 'networks.list', '--count', '0', '--config', path.join(tmp, 'none.json')]);
    expect(JSON.parse(zero.err).error.message).toContain('none.json: no such file');
    expect(zero.code).toBe(EXIT.usage);
    const unknown = await run(['call', 'no.such', '--state-dir', tmp]);
    expect(unknown.code).toBe(EXIT.usage);
    expect(JSON.parse(unknown.err).error.appCode).toBe('NOT_FOUND');
  });

  it('a bad config file or variable is a usage error naming it, before anything starts', async () => {
    const file = writeConfig({ stateDir: '/x', logLevl: 'info' });
    const r = await run(['serve', '--config', file]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain(`${file}: unknown key "logLevl" (did you mean "logLevel"?)`);
    const v = await run(['stdio'], { WGPILOT_LOG_LEVEL: 'verbose' });
    expect(v).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('$WGPILOT_LOG_LEVEL: "verbose" is not one of debug, info, warn, error') });
  });
});

describe('settings: flag > environment > config file > default', () => {
  const none = path.join('/nonexistent', 'agent.json');

  it('state dir, always absolute', () => {
    const file = writeConfig({ stateDir: '/from-file' });
    expect(resolveSettings('serve', { 'state-dir': '/a', config: file }, { WGPILOT_STATE_DIR: '/b' }).stateDir).toBe('/a');
    expect(resolveSettings('serve', { config: file }, { WGPILOT_STATE_DIR: '/b' }).stateDir).toBe('/b');
    expect(resolveSettings('serve', {}, { WGPILOT_CONFIG: file }).stateDir).toBe('/from-file');
    expect(resolveSettings('serve', { 'state-dir': 'rel', config: file }, {}).stateDir).toBe(path.resolve('rel'));
    expect(socketPath(resolveSettings('serve', { config: file }, { WGPILOT_STATE_DIR: '/b' }))).toBe('/b/agent.sock');
  });

  it('the default config path may be absent (all defaults); a named one must exist', () => {
    if (!fs.existsSync(DEFAULT_CONFIG_FILE)) {
      const s = resolveSettings('serve', {}, {});
      expect(s).toMatchObject({ configFile: DEFAULT_CONFIG_FILE, stateDir: DEFAULT_STATE_DIR, logLevel: undefined, logFormat: 'auto', reconcileIntervalMs: undefined });
    }
    expect(usageMessage(() => resolveSettings('serve', { config: none }, {}))).toBe(`${none}: no such file`);
    expect(usageMessage(() => resolveSettings('serve', {}, { WGPILOT_CONFIG: none }))).toBe(`${none}: no such file`);
  });

  it('log level and format, each checked where it came from', () => {
    const file = writeConfig({ logLevel: 'warn', logFormat: 'journal' });
    expect(resolveSettings('serve', { config: file }, {})).toMatchObject({ logLevel: 'warn', logFormat: 'journal' });
    expect(resolveSettings('serve', { config: file }, { WGPILOT_LOG_LEVEL: 'error', WGPILOT_LOG_FORMAT: 'text' })).toMatchObject({ logLevel: 'error', logFormat: 'text' });
    expect(resolveSettings('serve', { config: file, 'log-level': 'debug', 'log-format': 'json' }, { WGPILOT_LOG_LEVEL: 'error' })).toMatchObject({ logLevel: 'debug', logFormat: 'json' });
    expect(usageMessage(() => resolveSettings('serve', { config: file, 'log-level': 'loud' }, {}))).toBe('--log-level: "loud" is not one of debug, info, warn, error');
    expect(usageMessage(() => resolveSettings('serve', { config: file, 'log-format': 'xml' }, {}))).toBe('--log-format: "xml" is not one of auto, journal, text, json');
  });

  it('reconcile interval: --reconcile-interval seconds, $WGPILOT_RECONCILE_INTERVAL_MS, config seconds', () => {
    const file = writeConfig({ reconcileIntervalSeconds: 120 });
    expect(resolveSettings('serve', { config: file }, {}).reconcileIntervalMs).toBe(120_000);
    expect(resolveSettings('serve', { config: file }, { WGPILOT_RECONCILE_INTERVAL_MS: '0' }).reconcileIntervalMs).toBe(0);
    expect(resolveSettings('serve', { config: file, 'reconcile-interval': '7' }, { WGPILOT_RECONCILE_INTERVAL_MS: '0' }).reconcileIntervalMs).toBe(7000);
    expect(usageMessage(() => resolveSettings('serve', { config: file, 'reconcile-interval': '1.5' }, {}))).toBe('--reconcile-interval: "1.5" is not a whole number from 0 to 86400');
    expect(usageMessage(() => resolveSettings('serve', { config: file }, { WGPILOT_RECONCILE_INTERVAL_MS: 'soon' }))).toContain('$WGPILOT_RECONCILE_INTERVAL_MS: "soon"');
  });

  it('metrics.listen: from the file or --metrics-listen, validated', () => {
    const file = writeConfig({ metrics: { listen: '[::1]:9586' } });
    expect(resolveSettings('serve', { config: file }, {}).metricsListen).toBe('[::1]:9586');
    expect(resolveSettings('serve', { config: file, 'metrics-listen': '127.0.0.1:9000' }, {}).metricsListen).toBe('127.0.0.1:9000');
    expect(usageMessage(() => resolveSettings('serve', { config: file, 'metrics-listen': '0.0.0.0' }, {}))).toBe('--metrics-listen: "0.0.0.0" is not host:port (e.g. 127.0.0.1:9586 or [::1]:9586)');
  });

  it('host options: flag over environment', () => {
    const file = writeConfig({});
    expect(resolveSettings('stdio', { config: file, netns: 'a' }, { WGPILOT_NETNS: 'b', WGPILOT_INTERFACE_PREFIX: 'p' })).toMatchObject({ netns: 'a', interfacePrefix: 'p', wireguardGo: undefined });
  });
});

describe('config file', () => {
  it('accepts every documented key', () => {
    expect(parseConfig('{"stateDir":"/var/lib/wgpilot","reconcileIntervalSeconds":30,"logLevel":"info","logFormat":"auto","metrics":{"listen":"127.0.0.1:9586"}}', 'f')).toEqual({
      stateDir: '/var/lib/wgpilot',
      reconcileIntervalSeconds: 30,
      logLevel: 'info',
      logFormat: 'auto',
      metrics: { listen: '127.0.0.1:9586' },
    });
    expect(parseConfig('{}', 'f')).toEqual({});
  });

  it('refuses unknown keys at any depth, naming the key and the file', () => {
    expect(() => parseConfig('{"stateDir":"/s","colour":"red"}', '/etc/wgpilot/agent.json')).toThrow(
      '/etc/wgpilot/agent.json: unknown key "colour" (known keys: stateDir, reconcileIntervalSeconds, logLevel, logFormat, metrics, metrics.listen)',
    );
    expect(() => parseConfig('{"metrics":{"listen":"127.0.0.1:1","path":"/m"}}', 'f')).toThrow('f: unknown key "metrics.path"');
  });

  it('refuses bad values with the key, and text that is not a JSON object', () => {
    expect(() => parseConfig('{"stateDir":"relative"}', 'f')).toThrow('f: "stateDir": must be an absolute path');
    expect(() => parseConfig('{"reconcileIntervalSeconds":-1}', 'f')).toThrow('f: "reconcileIntervalSeconds"');
    expect(() => parseConfig('{"logLevel":"loud"}', 'f')).toThrow('f: "logLevel"');
    expect(() => parseConfig('{"metrics":{"listen":"[::1]:0"}}', 'f')).toThrow('f: "metrics.listen": port 0 is not in 1–65535');
    expect(() => parseConfig('[]', 'f')).toThrow('f: must be a JSON object');
    expect(() => parseConfig('{"stateDir":', 'f')).toThrow(/^f: not valid JSON/);
    expect(() => parseConfig('{}x', 'f')).toThrow(ConfigError);
  });

  it('listen addresses: IPv4, [IPv6] or localhost, and a port', () => {
    for (const ok of ['127.0.0.1:9586', '[::1]:1', 'localhost:65535', '[fd00::1]:80']) expect(listenProblem(ok)).toBeNull();
    for (const bad of ['127.0.0.1', '::1:80', '256.0.0.1:80', '[::g]:80', 'example.com:80', '1.2.3.4:65536']) expect(listenProblem(bad)).not.toBeNull();
  });

  it('loadConfig: an unreadable named file is an error', () => {
    expect(() => loadConfig(tmp)).toThrow(/cannot read it/);
  });
});

describe('install-service unit', () => {
  const template = fs.readFileSync(path.join(repo, 'build/wgpilot-agent.service'), 'utf8');

  it('fills the template in build/ with the launcher and the daemon arguments', () => {
    const unit = renderUnit(template, '/root/.wgpilot/agent/0.1.0-linux-x64/wgpilot-agent', ['--state-dir', '/var/lib/wgpilot']);
    expect(unit).toContain('\nExecStart=/root/.wgpilot/agent/0.1.0-linux-x64/wgpilot-agent serve --state-dir /var/lib/wgpilot\n');
    expect(unit).not.toContain('@');
    expect(unit).toMatch(/^\[Install\]\nWantedBy=multi-user.target$/m);
    expect(renderUnit(template, '/opt/a b/wgpilot-agent', [])).toContain('\nExecStart="/opt/a b/wgpilot-agent" serve\n');
  });

  it('passes --config and --state-dir to the daemon only when given, absolute', () => {
    expect(serveArgs({}, {})).toEqual([]);
    expect(serveArgs({ 'state-dir': 'rel' }, {})).toEqual(['--state-dir', path.resolve('rel')]);
    expect(serveArgs({ config: '/etc/w.json' }, { WGPILOT_STATE_DIR: '/s' })).toEqual(['--config', '/etc/w.json', '--state-dir', '/s']);
  });

  it('quotes what systemd would split or expand', () => {
    expect(systemdQuote('/opt/wg/agent')).toBe('/opt/wg/agent');
    expect(systemdQuote('/opt/my agent/x')).toBe('"/opt/my agent/x"');
    expect(systemdQuote('/opt/100%/x')).toBe('/opt/100%%/x');
    expect(systemdQuote('/opt/a"b\\c')).toBe('"/opt/a\\"b\\\\c"');
    expect(() => systemdQuote('/opt/a\nb')).toThrow('line break');
  });
});
