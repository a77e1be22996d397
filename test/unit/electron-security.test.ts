// The Electron shell's security settings, asserted without the Electron binary.
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, isAllowedNavigation, windowWebPreferences } from '../../src-main/electron/security.js';

describe('electron security', () => {
  it('isolates and sandboxes the renderer', () => {
    const prefs = windowWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
  });

  it('has a CSP without remote or inline scripts', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:/);
  });

  it('allows navigation only within the app', () => {
    expect(isAllowedNavigation('http://localhost:5173/#/hosts', 'http://localhost:5173/')).toBe(true);
    expect(isAllowedNavigation('https://evil.example/', 'http://localhost:5173/')).toBe(false);
    expect(isAllowedNavigation('not a url', 'http://localhost:5173/')).toBe(false);
  });
});
