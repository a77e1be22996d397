/**
 * The renderer's Content-Security-Policy, one definition for every way it is served: browser
 * mode's HTTP server and Electron's `app://` protocol send it as a response header.
 *
 * Design decision: a header, not a `<meta>` tag. A meta CSP cannot carry `frame-ancestors`
 * (Chromium ignores it there and warns on every load), and without it another local origin
 * (any page on 127.0.0.1, which is the same *site* as browser mode, so the SameSite cookie goes
 * along) could frame the app and trick clicks into it.
 */

/** Extra sources the WebSocket carrier needs (browser mode: `ws://127.0.0.1:<port>`). */
export interface CspOptions {
  connectSrc?: readonly string[];
}

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // naive-ui and Vue's style bindings write style attributes and <style> tags at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    ['connect-src', "'self'", ...(opts.connectSrc ?? [])].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * Headers every renderer response carries: the CSP, framing refused for browsers that predate
 * `frame-ancestors`, no MIME sniffing, no referrer (a one-time URL never leaks through one), and
 * resources readable by the app's own origin only.
 */
export function securityHeaders(opts: CspOptions = {}): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(opts),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}
