/**
 * QR codes of client configurations, for the WireGuard mobile apps' "scan from QR code".
 * Rendering is in memory (the qrcode package); nothing touches the disk.
 *
 * Design decisions:
 * - Error correction 'M' (15 %): a config of ~350 characters then fits a version ~13 symbol,
 *   which phones read reliably from a screen; 'H' would make it denser for no gain on a screen.
 * - The text is encoded exactly as given (byte mode, UTF-8); the WireGuard apps parse the
 *   same wg-quick text a .conf file holds.
 * - A QR image contains the private key: callers must treat it like the .conf itself.
 */
import QRCode from 'qrcode';

export interface QrOptions {
  /** Pixels per module in the PNG (default 6) — the SVG scales freely. */
  scale?: number;
  /** Quiet-zone width in modules (default 4, the minimum the standard asks for). */
  margin?: number;
  errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H';
}

/** qrSvg renders `text` as a standalone SVG document string. */
export async function qrSvg(text: string, options: QrOptions = {}): Promise<string> {
  return QRCode.toString(text, {
    type: 'svg',
    errorCorrectionLevel: options.errorCorrectionLevel ?? 'M',
    margin: options.margin ?? 4,
  });
}

/** qrPng renders `text` as a PNG image. */
export async function qrPng(text: string, options: QrOptions = {}): Promise<Buffer> {
  return QRCode.toBuffer(text, {
    type: 'png',
    errorCorrectionLevel: options.errorCorrectionLevel ?? 'M',
    margin: options.margin ?? 4,
    scale: options.scale ?? 6,
  });
}
