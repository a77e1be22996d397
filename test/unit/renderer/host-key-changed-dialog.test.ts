// @vitest-environment happy-dom
// The changed-key dialog shows both fingerprints and offers "forget" only after the admin says they checked.
import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import HostKeyChangedDialog from '../../../src-renderer/components/hosts/HostKeyChangedDialog.vue';

const hostKey = { host: '198.18.0.2', port: 2222, keyType: 'ssh-ed25519', fingerprint: 'SHA256:new', knownKeys: [{ keyType: 'ssh-rsa', fingerprint: 'SHA256:old', source: '/home/a/.ssh/known_hosts:4' }] };
const q = (sel: string) => document.body.querySelector<HTMLElement>(sel);
const tick = () => new Promise((r) => setTimeout(r));

describe('HostKeyChangedDialog', () => {
  afterEach(() => (document.body.innerHTML = ''));

  it('shows the presented and the known fingerprints with their files', async () => {
    mount(HostKeyChangedDialog, { props: { hostKey }, attachTo: document.body });
    await tick();
    expect(q('[data-testid="host-key-new"]')?.textContent).toBe('SHA256:new');
    expect(q('[data-testid="host-key-known"]')?.textContent).toBe('SHA256:old');
    expect(document.body.textContent).toContain('/home/a/.ssh/known_hosts:4');
  });

  it('emits forget only once the admin ticked that they checked the new fingerprint', async () => {
    const w = mount(HostKeyChangedDialog, { props: { hostKey }, attachTo: document.body });
    await tick();
    q('[data-testid="changed-forget"]')!.click();
    expect(w.emitted('forget')).toBeUndefined();
    q('[data-testid="host-key-checked"]')!.click();
    await tick();
    q('[data-testid="changed-forget"]')!.click();
    expect(w.emitted('forget')).toHaveLength(1);
  });

  it('lists the ssh-keygen -R command for keys left in files the app does not change', async () => {
    mount(HostKeyChangedDialog, { props: { hostKey, remaining: ['/etc/ssh/ssh_known_hosts:7'] }, attachTo: document.body });
    await tick();
    expect(q('[data-testid="host-key-remaining"]')?.textContent).toContain("sudo ssh-keygen -R '[198.18.0.2]:2222' -f /etc/ssh/ssh_known_hosts");
  });
});
