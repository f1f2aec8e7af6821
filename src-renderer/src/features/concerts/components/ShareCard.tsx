import { useEffect, useState } from 'react';
import { QRCodeSVG } from 'qrcode.react';
import { Link } from '../../../app/router';
import { Alert, Button, Card, Spinner } from '../../../components';
import { useSettings } from '../../settings/store';
import { audienceUrl } from '../room';

/** The address LAN listeners open, as text and a QR code; it depends on LAN sharing being on. */
export function ShareCard({ roomId }: { roomId: string }) {
  const { lan, lanError, load } = useSettings();
  useEffect(() => void load(), [load]);

  // Settings answer only on this computer: a host using Atelier from another machine is already on
  // the LAN, and the address it uses is one listeners can use too.
  const remote = !lan && lanError !== null && location.hostname !== 'localhost' && location.hostname !== '127.0.0.1';
  const shared = lan && (lan.enabled || lan.bound_to_all_interfaces) && lan.addresses.length > 0;
  const origins = remote ? [location.origin] : shared ? [...new Set(lan.addresses.map((a) => new URL(a).origin))] : [];
  const main = origins[0] ? audienceUrl(origins[0], roomId) : null;

  return (
    <Card
      title="Invite listeners"
      description="People on your network open this address, or scan the code with a phone, then sign in to take a seat."
      data-testid="concert-share"
    >
      {!lan && !lanError && <Spinner label="Loading LAN sharing" />}
      {lanError && !remote && <Alert tone="error">{lanError}</Alert>}
      {lan && !shared && (
        <Alert tone="info" data-testid="lan-off">
          LAN sharing is off, so only this computer can open the concert. Turn it on in <Link to="/settings">Settings</Link>.
        </Alert>
      )}
      {main && (
        <div className="share">
          <div className="qr" data-testid="concert-qr">
            <QRCodeSVG value={main} size={168} marginSize={2} title={`QR code for ${main}`} />
          </div>
          <ul className="address-list" aria-label="Concert addresses" data-testid="concert-addresses">
            {origins.map((origin) => (
              <li key={origin}>
                <code>{audienceUrl(origin, roomId)}</code>
                <CopyButton text={audienceUrl(origin, roomId)} />
              </li>
            ))}
          </ul>
        </div>
      )}
      <p className="muted">
        On this computer: <Link to={`/concert/${encodeURIComponent(roomId)}`}>open the audience page</Link>
      </p>
    </Card>
  );
}

/** The clipboard needs a secure context (localhost, the Electron window): elsewhere there is no button. */
function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  if (!navigator.clipboard) return null;
  return (
    <Button
      size="sm"
      variant="secondary"
      onClick={() =>
        void navigator.clipboard.writeText(text).then(
          () => setCopied(true),
          () => undefined,
        )
      }
      aria-label={`Copy ${text}`}
    >
      {copied ? 'Copied' : 'Copy'}
    </Button>
  );
}
