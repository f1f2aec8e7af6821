import { useEffect, useState } from 'react';
import { QRCodeSVG } from 'qrcode.react';
import { Alert, Button, Spinner } from '../../components';
import { useSettings } from '../settings/store';
import { linksFor, reachOf } from './links';
import './sharing.css';

/**
 * A link people on the network can open, with Copy and a QR code: built from the LAN address
 * (never 127.0.0.1, which only reaches this computer). With LAN sharing off it says so and offers
 * to turn it on, which only this computer's owner can do.
 */
export function ShareDialog({ path, what, testId = 'share-dialog' }: { path: string; what: string; testId?: string }) {
  const { lan, lanError, lanBusy, load, setLanSharing } = useSettings();
  useEffect(() => void load(), [load]);
  const reach = reachOf(lan, lanError);

  if (reach.kind === 'loading') return <Spinner label="Finding the address people on your network use" />;
  if (reach.kind === 'off') {
    return (
      <div className="share-dialog" data-testid={testId}>
        <Alert tone="info" data-testid="lan-off">
          LAN sharing is off, so {what} opens only on this computer. Turn it on to give people on your Wi-Fi or network a link and a QR
          code.
        </Alert>
        {lan ? (
          <Button variant="primary" busy={lanBusy} onClick={() => void setLanSharing(true)} data-testid="share-turn-on-lan">
            Turn on LAN sharing
          </Button>
        ) : (
          lanError && <Alert tone="error">{lanError}</Alert>
        )}
      </div>
    );
  }
  const [main, ...others] = linksFor(reach.origins, path);
  return (
    <div className="share-dialog" data-testid={testId}>
      <div className="share-dialog-qr" data-testid="share-qr">
        <QRCodeSVG value={main!} size={168} marginSize={2} title={`QR code for ${main}`} />
      </div>
      <div className="share-dialog-links">
        <p className="muted">Anyone on your network can open {what} here, or scan the code with a phone.</p>
        <ShareLink url={main!} />
        {others.length > 0 && (
          <details>
            <summary>Other addresses of this computer</summary>
            {others.map((url) => (
              <ShareLink key={url} url={url} />
            ))}
          </details>
        )}
      </div>
    </div>
  );
}

function ShareLink({ url }: { url: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(null), 2500);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = () => {
    // The clipboard API needs a secure context (localhost, the app window); over plain http on the
    // LAN the link is selected instead, for Ctrl/Cmd+C.
    if (!navigator.clipboard) {
      setCopied('no');
      return;
    }
    navigator.clipboard.writeText(url).then(
      () => setCopied('yes'),
      () => setCopied('no'),
    );
  };
  return (
    <div className="share-link">
      <input
        className="input share-link-url"
        readOnly
        value={url}
        aria-label="Share link"
        data-testid="share-link"
        onFocus={(e) => e.currentTarget.select()}
        ref={(el) => {
          if (el && copied === 'no') el.select();
        }}
      />
      <Button size="sm" variant="secondary" onClick={copy} data-testid="share-copy">
        {copied === 'yes' ? 'Copied' : 'Copy'}
      </Button>
      {copied === 'no' && (
        <span className="muted" role="status">
          Selected: press Ctrl+C (⌘C) to copy
        </span>
      )}
    </div>
  );
}
