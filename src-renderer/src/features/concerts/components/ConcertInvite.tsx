import '../concerts.css';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { Link } from '../../../app/router';
import { Alert, Button, Field, Input, Spinner } from '../../../components';
import { AuthScreen } from '../../auth/components/AuthScreen';
import { guestApi, type ConcertInvitation } from '../api';
import { forgetGuest, storeGuest, storedGuest, useGuestSocket, type GuestVisit } from '../guest';
import { AudiencePage } from './AudiencePage';

const CONCERT = /^\/concert\/([^/]+)$/;

/**
 * A signed-out visitor with a concert link or QR code: the concert is named first, then a display
 * name is enough to take a seat (unless the host asks for accounts); signing in stays possible.
 */
export function ConcertInvite({ path }: { path: string }) {
  const roomId = decodeURIComponent(CONCERT.exec(path)?.[1] ?? '');
  const [visit, setVisit] = useState<GuestVisit | null>(() => storedGuest(roomId));
  const [invite, setInvite] = useState<ConcertInvitation | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const refused = useCallback(() => {
    forgetGuest(roomId);
    setVisit(null);
    setProblem('Your guest pass no longer opens this concert. Join again below.');
  }, [roomId]);
  useGuestSocket(visit?.pass ?? null, refused);

  useEffect(() => {
    if (visit) return;
    guestApi.invite(roomId).then(setInvite, (err: unknown) => setProblem(errorMessage(err)));
  }, [roomId, visit]);

  if (visit) return <AudiencePage roomId={roomId} />;

  const next = encodeURIComponent(path);
  const join = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const admitted = await guestApi.admit(roomId, name.trim());
      const guest = { pass: admitted.guestPass, displayName: admitted.displayName };
      storeGuest(roomId, guest);
      setVisit(guest);
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthScreen
      title={invite ? invite.concertName : 'You’re invited to a concert'}
      subtitle={
        invite
          ? `A concert by ${invite.studioName}${invite.isOpen ? '' : ' · the doors are not open yet'}`
          : 'Finding the concert on this Atelier…'
      }
    >
      {!invite && !problem && <Spinner label="Finding the concert" />}
      {problem && <Alert tone="error">{problem}</Alert>}
      {invite?.allowGuests && (
        <form className="form" onSubmit={(e) => void join(e)} data-testid="guest-join">
          <Field label="Your name" hint="What the host and the audience see. No account needed.">
            {(props) => (
              <Input {...props} value={name} maxLength={40} autoComplete="nickname" required onChange={(e) => setName(e.target.value)} />
            )}
          </Field>
          <Button type="submit" variant="primary" busy={busy} disabled={name.trim() === ''}>
            Join the concert
          </Button>
        </form>
      )}
      {invite && !invite.allowGuests && (
        <Alert tone="info" data-testid="accounts-required">
          The host asks listeners to sign in to this Atelier.
        </Alert>
      )}
      <div className="stack invite-actions">
        <Link
          to={`/sign-in?next=${next}`}
          className={`btn ${invite?.allowGuests ? 'btn-ghost' : 'btn-primary'}`}
          data-testid="invite-sign-in"
        >
          Sign in
        </Link>
        <Link to={`/sign-up?next=${next}`} className="btn btn-secondary" data-testid="invite-sign-up">
          Create an account
        </Link>
      </div>
    </AuthScreen>
  );
}
