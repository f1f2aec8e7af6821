import { Link } from '../../../app/router';
import { Card } from '../../../components';
import { ShareDialog } from '../../sharing/ShareDialog';

/** The address LAN listeners open, as text, Copy and a QR code; it depends on LAN sharing being on. */
export function ShareCard({ roomId }: { roomId: string }) {
  const path = `/app/concert/${encodeURIComponent(roomId)}`;
  return (
    <Card
      title="Invite listeners"
      description="People on your network open this address, or scan the code with a phone, then sign in to take a seat."
      data-testid="concert-share"
    >
      <ShareDialog path={path} what="the concert" />
      <p className="muted">
        On this computer: <Link to={`/concert/${encodeURIComponent(roomId)}`}>open the audience page</Link>
      </p>
    </Card>
  );
}
