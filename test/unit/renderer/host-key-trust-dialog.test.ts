// @vitest-environment happy-dom
// The trust dialog (a naive-ui modal, teleported to <body>) shows the fingerprint and reports the admin's choice.
import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import HostKeyTrustDialog from '../../../src-renderer/components/hosts/HostKeyTrustDialog.vue';

const hostKey = { host: '198.18.0.2', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc' };
const q = (sel: string) => document.body.querySelector<HTMLElement>(sel);

describe('HostKeyTrustDialog', () => {
  afterEach(() => (document.body.innerHTML = ''));

  it('shows host, port and fingerprint', async () => {
    mount(HostKeyTrustDialog, { props: { hostKey }, attachTo: document.body });
    await new Promise((r) => setTimeout(r));
    expect(document.body.textContent).toContain('198.18.0.2:22');
    expect(q('[data-testid="host-key-fingerprint"]')?.textContent).toBe('SHA256:abc');
  });

  it('emits accept and reject', async () => {
    const w = mount(HostKeyTrustDialog, { props: { hostKey }, attachTo: document.body });
    await new Promise((r) => setTimeout(r));
    q('[data-testid="trust-accept"]')!.click();
    q('[data-testid="trust-reject"]')!.click();
    expect(Object.keys(w.emitted())).toEqual(expect.arrayContaining(['accept', 'reject']));
  });
});
