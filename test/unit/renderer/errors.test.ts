// @vitest-environment happy-dom
// describeError: desktop and agent errors into an admin's words, with field paths and detail.
import { describe, expect, it } from 'vitest';
import { describeError, fieldError } from '../../../src-renderer/lib/errors.js';
import { hostError } from './fake-agent.js';

describe('describeError', () => {
  it('titles by appCode and keeps the raw message in the detail', () => {
    const e = describeError(hostError('Host 198.18.0.2 is not connected.', 'HOST_NOT_CONNECTED', { path: 'agent.invoke' }));
    expect(e.title).toBe('The host is not connected');
    expect(e.detail).toContain('procedure: agent.invoke');
    expect(e.detail).toContain('Host 198.18.0.2 is not connected.');
  });

  it("maps the agent's validation text to fields and drops the prefixes from the message", () => {
    const e = describeError(hostError("subnet4: subnet 198.18.0.0/24 overlaps the host's own address 198.18.0.2/30 on wgl-h0; dns[1]: 'x' is not an IP address", 'INVALID_INPUT'));
    expect(e.fields).toEqual({ subnet4: "subnet 198.18.0.0/24 overlaps the host's own address 198.18.0.2/30 on wgl-h0", 'dns.1': "'x' is not an IP address" });
    expect(e.message).not.toMatch(/^subnet4:/);
    expect(fieldError(e, 'dns')).toBe("'x' is not an IP address");
  });

  it('reads zod input errors (JSON issues) with their paths', () => {
    const zod = JSON.stringify([{ code: 'too_small', path: ['patch', 'mtu'], message: 'Too small: expected number to be >=1280' }]);
    const e = describeError(hostError(zod, 'INVALID_INPUT'));
    expect(e.fields['patch.mtu']).toContain('1280');
    expect(e.message).toBe('patch.mtu: Too small: expected number to be >=1280');
  });

  it("prefers the agent's structured data.issues over parsing the message", () => {
    // A message the text parser could not split into fields; the issues name them.
    const issues = [
      { path: 'subnet4', message: 'subnet 10.0.0.1/24 has host bits set', severity: 'error' },
      { path: 'dns[1]', message: "'x' is not an IP address", severity: 'error' },
      { path: 'mtu', message: 'MTU 1300 is below 1380', severity: 'warning' },
    ];
    const e = describeError(hostError('the network input is not valid', 'INVALID_INPUT', { issues }));
    expect(e.fields).toEqual({ subnet4: 'subnet 10.0.0.1/24 has host bits set', 'dns.1': "'x' is not an IP address", mtu: 'MTU 1300 is below 1380' });
    expect(e.message).toBe('the network input is not valid');
    // Where both exist, the issues win over what the text would give.
    const both = describeError(hostError('subnet4: text version', 'INVALID_INPUT', { issues: [{ path: 'subnet4', message: 'structured version' }] }));
    expect(both.fields).toEqual({ subnet4: 'structured version' });
    expect(both.message).toBe('text version');
    // zod's JSON message: fields from the issues, message still made readable from the text.
    const zod = JSON.stringify([{ code: 'too_small', path: ['patch', 'mtu'], message: 'Too small' }]);
    const z = describeError(hostError(zod, 'INVALID_INPUT', { issues: [{ path: 'patch.mtu', message: 'Too small (structured)' }] }));
    expect(z.fields).toEqual({ 'patch.mtu': 'Too small (structured)' });
    expect(z.message).toBe('patch.mtu: Too small');
  });

  it("puts the host's port-holder message on the listen port field", () => {
    const e = describeError(hostError("UDP port 51820 is already in use on 0.0.0.0 by process 'python3' (pid 42)", 'CONFLICT'));
    expect(e.title).toBe('That conflicts with what is already on the host');
    expect(fieldError(e, 'listenPort')).toContain('python3');
  });

  it('carries the host key of HOST_KEY_UNKNOWN and survives non-errors', () => {
    const hostKey = { host: 'h', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:x' };
    expect(describeError(hostError('unknown', 'HOST_KEY_UNKNOWN', { hostKey })).hostKey).toEqual(hostKey);
    expect(describeError('boom')).toMatchObject({ code: 'INTERNAL', message: 'boom' });
  });
});
