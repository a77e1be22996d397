// @vitest-environment happy-dom
// NetworkForm: live checks as you type (overlap, port on the host, MTU band) and the host's error on its field.
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import NetworkForm from '../../../src-renderer/components/networks/NetworkForm.vue';
import { PORT_CHECK_DEBOUNCE_MS } from '../../../src-renderer/composables/usePortCheck.js';
import { describeError } from '../../../src-renderer/lib/errors.js';
import { hostError, network } from './fake-agent.js';

const holders = [{ address: '0.0.0.0', port: 51999, family: 4 as const, pid: 42, command: 'python3', network: null }];

function mountForm(props: Record<string, unknown> = {}) {
  return mount(NetworkForm, { props: { others: [network()], loadPorts: vi.fn(async () => holders), ...props } });
}

async function type(w: ReturnType<typeof mountForm>, label: string, value: string) {
  const input = w.get(`input[aria-label="${label}"]`);
  await input.setValue(value);
  await input.trigger('blur');
}

describe('NetworkForm', () => {
  afterEach(() => vi.useRealTimers());

  it('flags an overlapping subnet and the MTU outside its band as you type', async () => {
    const w = mountForm();
    await type(w, 'Network name', 'lab');
    await type(w, 'IPv4 subnet', '10.8.0.128/25');
    await type(w, 'MTU', '1279');
    expect(w.text()).toContain("10.8.0.128/25 overlaps network 'office' (10.8.0.0/24)");
    expect(w.text()).toContain('MTU must be 1280–9000');
    expect(w.get('[data-testid="network-submit"]').attributes('disabled')).toBeDefined();
  });

  it("checks the port on the host (debounced) and names the process holding it", async () => {
    vi.useFakeTimers();
    const loadPorts = vi.fn(async () => holders);
    const w = mountForm({ loadPorts });
    await type(w, 'Listen port', '51999');
    expect(w.text()).toContain('Checking the host');
    await vi.advanceTimersByTimeAsync(PORT_CHECK_DEBOUNCE_MS + 10);
    await flushPromises();
    expect(loadPorts).toHaveBeenCalledTimes(1);
    expect(w.get('[data-testid="port-field"]').text()).toContain("Port 51999 is in use on 0.0.0.0 by 'python3' (pid 42)");
    await type(w, 'Listen port', '51998');
    await vi.advanceTimersByTimeAsync(PORT_CHECK_DEBOUNCE_MS + 10);
    await flushPromises();
    expect(w.get('[data-testid="port-field"]').text()).toContain('Free on the host');
  });

  it("shows the host's error on the field it names and emits a clean input", async () => {
    const error = describeError(hostError("subnet4: subnet 198.18.0.0/24 overlaps the host's own address 198.18.0.2/30 on wgl-h0", 'INVALID_INPUT'));
    const w = mountForm({ error, others: [] });
    expect(w.text()).toContain('The host rejected the input');
    expect(w.text()).toContain("overlaps the host's own address");
    await type(w, 'Network name', 'lab');
    await type(w, 'IPv4 subnet', '10.20.0.0/24');
    await w.get('form').trigger('submit');
    expect(w.emitted('submit')?.[0]?.[0]).toMatchObject({ name: 'lab', mode: 'gateway', subnet4: '10.20.0.0/24', subnet6: null, dns: [], enabled: true });
  });
});
