import { useState } from 'react';
import { Alert, Button, Card, Icon, Spinner, Toggle } from '../../../components';
import { useSettings } from '../store';

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () =>
    navigator.clipboard.writeText(text).then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      },
      () => setCopied(false),
    );
  // The clipboard API exists only in secure contexts (not on a LAN page over plain http).
  if (!navigator.clipboard) return null;
  return (
    <Button size="sm" variant="ghost" onClick={copy} aria-label={`Copy ${text}`}>
      <Icon name="copy" size={15} />
      {copied ? 'Copied' : 'Copy'}
    </Button>
  );
}

export function LanSharingCard() {
  const { lan, lanError, lanBusy, setLanSharing } = useSettings();
  return (
    <Card
      title="LAN sharing"
      description="Let people on your network open Atelier in their browser — to join a concert, or to use the studio from another computer. Off by default; your settings stay reachable from this computer only."
      data-testid="lan-sharing"
    >
      {lanError && <Alert tone="error">{lanError}</Alert>}
      {!lan && !lanError && <Spinner label="Loading LAN sharing" />}
      {lan && (
        <>
          <Toggle
            label="Share on my network"
            description={
              lan.bound_to_all_interfaces
                ? 'The server was started with HOST=0.0.0.0, so it is already reachable on every network address.'
                : lan.enabled
                  ? 'On: the addresses below reach this Atelier.'
                  : 'Off: only this computer can reach Atelier.'
            }
            checked={lan.enabled}
            disabled={lan.bound_to_all_interfaces}
            busy={lanBusy}
            onChange={(enabled) => void setLanSharing(enabled)}
            data-testid="lan-toggle"
          />
          {lan.enabled &&
            (lan.addresses.length > 0 ? (
              <ul className="address-list" aria-label="Addresses people on your network can open" data-testid="lan-addresses">
                {lan.addresses.map((address) => (
                  <li key={address}>
                    <code>{address}</code>
                    <CopyButton text={address} />
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">This computer has no network address other than loopback right now; connect to a network and reload.</p>
            ))}
        </>
      )}
    </Card>
  );
}
