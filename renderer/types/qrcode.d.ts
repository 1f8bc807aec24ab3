/** The part of `qrcode` (1.5) Booth uses; the package ships no types. */
declare module 'qrcode' {
  export interface QRCodeOptions {
    errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' | 'low' | 'medium' | 'quartile' | 'high';
    margin?: number;
    width?: number;
    scale?: number;
    color?: { dark?: string; light?: string };
  }
  export interface QRCodeStringOptions extends QRCodeOptions {
    type?: 'svg' | 'utf8' | 'terminal';
  }
  export function toDataURL(text: string, options?: QRCodeOptions): Promise<string>;
  export function toString(text: string, options?: QRCodeStringOptions): Promise<string>;
  const QRCode: { toDataURL: typeof toDataURL; toString: typeof toString };
  export default QRCode;
}
