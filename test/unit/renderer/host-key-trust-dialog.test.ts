// @vitest-environment happy-dom
// The trust dialog shows the fingerprint and reports the admin's choice.
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import HostKeyTrustDialog from '../../../src-renderer/components/hosts/HostKeyTrustDialog.vue';

const hostKey = { host: '198.18.0.2', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc' };

describe('HostKeyTrustDialog', () => {
  it('shows host, port and fingerprint', () => {
    const w = mount(HostKeyTrustDialog, { props: { hostKey } });
    expect(w.text()).toContain('198.18.0.2:22');
    expect(w.get('[data-testid="host-key-fingerprint"]').text()).toBe('SHA256:abc');
  });

  it('emits accept and reject', async () => {
    const w = mount(HostKeyTrustDialog, { props: { hostKey } });
    await w.get('button:not(.secondary)').trigger('click');
    await w.get('button.secondary').trigger('click');
    expect(Object.keys(w.emitted())).toEqual(expect.arrayContaining(['accept', 'reject']));
  });
});
