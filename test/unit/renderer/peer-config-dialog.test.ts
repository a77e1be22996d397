// @vitest-environment happy-dom
// PeerConfigDialog: the QR as an image (no host-supplied markup in the page), the text, download and copy.
import { mount } from '@vue/test-utils';
import { NMessageProvider } from 'naive-ui';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import PeerConfigDialog from '../../../src-renderer/components/peers/PeerConfigDialog.vue';

const config = { fileName: 'wgpilot-office-alice.conf', text: '[Interface]\nPrivateKey = x\n', qrSvg: '<svg onload="alert(1)"></svg>', qrPngBase64: 'iVBORw0KGgo=' };

function mountDialog() {
  const Root = defineComponent(() => () => h(NMessageProvider, () => h(PeerConfigDialog, { name: 'alice', config })));
  return mount(Root, { attachTo: document.body });
}

describe('PeerConfigDialog', () => {
  afterEach(() => (document.body.innerHTML = ''));

  it('shows the QR as a data: PNG and the wg-quick text', async () => {
    mountDialog();
    await new Promise((r) => setTimeout(r));
    const img = document.body.querySelector<HTMLImageElement>('[data-testid="peer-config-qr"]');
    expect(img?.getAttribute('src')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(document.body.querySelector('svg[onload]')).toBeNull();
    expect(document.body.querySelector('[data-testid="peer-config-text"]')?.textContent).toBe(config.text);
  });

  it('downloads the file under its name and copies the text', async () => {
    mountDialog();
    await new Promise((r) => setTimeout(r));
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    document.body.querySelector<HTMLElement>('[data-testid="peer-config-download"]')!.click();
    expect(clicked).toEqual(['wgpilot-office-alice.conf']);
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    [...document.body.querySelectorAll<HTMLElement>('button')].find((b) => b.textContent?.trim() === 'Copy')!.click();
    expect(writeText).toHaveBeenCalledWith(config.text);
  });
});
