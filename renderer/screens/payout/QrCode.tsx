/** A QR code drawn by the `qrcode` package as SVG, shown as an image (never as markup in the page). */
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

export const QR_OPTIONS = { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } } as const;

export const svgDataUrl = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

export function QrCode({ text, label, testId = 'payout-qr' }: { text: string; label: string; testId?: string }) {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let alive = true;
    setSrc(null);
    QRCode.toString(text, QR_OPTIONS).then(
      (svg) => alive && setSrc(svgDataUrl(svg)),
      () => alive && setFailed(true),
    );
    return () => {
      alive = false;
    };
  }, [text]);
  if (failed) return <div className="qr qr--failed" data-testid={testId} data-state="failed" />;
  return (
    <div className="qr" data-testid={testId} data-state={src ? 'ready' : 'drawing'}>
      {src ? <img className="qr__image" src={src} alt={label} data-testid={`${testId}-image`} draggable={false} /> : null}
    </div>
  );
}
