import { useEffect, useState } from 'react';
import { errorMessage } from '../../../api/client';
import { Link } from '../../../app/router';
import { Alert, Card, Toggle } from '../../../components';
import { ShareDialog } from '../../sharing/ShareDialog';
import { guestApi } from '../api';

/** The address LAN listeners open, as text, Copy and a QR code, the short join code, and who may join. */
export function ShareCard({ roomId }: { roomId: string }) {
  const path = `/app/concert/${encodeURIComponent(roomId)}`;
  const [room, setRoom] = useState<{ joinCode: string | null; allowGuests: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    guestApi.info(roomId).then(setRoom, (err: unknown) => setProblem(errorMessage(err)));
  }, [roomId]);

  const setGuests = async (allowGuests: boolean) => {
    setBusy(true);
    try {
      await guestApi.setAllowGuests(roomId, allowGuests);
      setRoom((r) => (r ? { ...r, allowGuests } : r));
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title="Invite listeners"
      description={
        room?.allowGuests === false
          ? 'People on your network open this address, or scan the code with a phone, then sign in to take a seat.'
          : 'People on your network open this address, or scan the code with a phone, and join with just their name.'
      }
      data-testid="concert-share"
    >
      <ShareDialog path={path} what="the concert" />
      {room?.joinCode && (
        <p className="join-code-line">
          Or at <code>/app/join</code> they type the code{' '}
          <strong className="join-code" data-testid="join-code">
            {room.joinCode}
          </strong>
        </p>
      )}
      {problem && <Alert tone="error">{problem}</Alert>}
      {room && (
        <Toggle
          checked={room.allowGuests}
          busy={busy}
          onChange={(on) => void setGuests(on)}
          label="Guests join with a name only"
          description="Off: listeners need an account on this Atelier."
          data-testid="guests-toggle"
        />
      )}
      <p className="muted">
        On this computer: <Link to={`/concert/${encodeURIComponent(roomId)}`}>open the audience page</Link>
      </p>
    </Card>
  );
}
