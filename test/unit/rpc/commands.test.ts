/**
 * The pure parts of the agent's commands: option precedence and the systemd unit rendering.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderUnit, systemdQuote } from '../../../agent/src/commands/install-service.js';
import { DEFAULT_STATE_DIR, flag, socketPath, stateDir } from '../../../agent/src/commands/options.js';

const repo = path.resolve(import.meta.dirname, '../../..');

describe('options', () => {
  it('takes --state-dir over $WGPILOT_STATE_DIR over the default, always absolute', () => {
    expect(stateDir(['--state-dir', '/a'], { WGPILOT_STATE_DIR: '/b' })).toBe('/a');
    expect(stateDir(['--state-dir=/c'], {})).toBe('/c');
    expect(stateDir([], { WGPILOT_STATE_DIR: '/b' })).toBe('/b');
    expect(stateDir([], {})).toBe(DEFAULT_STATE_DIR);
    expect(stateDir(['--state-dir', 'rel'], {})).toBe(path.resolve('rel'));
    expect(socketPath([], { WGPILOT_STATE_DIR: '/b' })).toBe('/b/agent.sock');
  });

  it('refuses a flag without its value', () => {
    expect(() => flag(['--state-dir'], '--state-dir')).toThrow('--state-dir needs a value');
    expect(() => flag(['--state-dir', '--x'], '--state-dir')).toThrow();
  });
});

describe('install-service unit', () => {
  it('fills the template in build/ with the launcher and state dir', () => {
    const template = fs.readFileSync(path.join(repo, 'build/wgpilot-agent.service'), 'utf8');
    const unit = renderUnit(template, '/root/.wgpilot/agent/0.1.0-linux-x64/wgpilot-agent', '/var/lib/wgpilot');
    expect(unit).toContain('\nExecStart=/root/.wgpilot/agent/0.1.0-linux-x64/wgpilot-agent serve --state-dir /var/lib/wgpilot\n');
    expect(unit).not.toContain('@');
    expect(unit).toMatch(/^\[Install\]\nWantedBy=multi-user.target$/m);
  });

  it('quotes what systemd would split or expand', () => {
    expect(systemdQuote('/opt/wg/agent')).toBe('/opt/wg/agent');
    expect(systemdQuote('/opt/my agent/x')).toBe('"/opt/my agent/x"');
    expect(systemdQuote('/opt/100%/x')).toBe('/opt/100%%/x');
    expect(systemdQuote('/opt/a"b\\c')).toBe('"/opt/a\\"b\\\\c"');
    expect(() => systemdQuote('/opt/a\nb')).toThrow('line break');
  });
});
