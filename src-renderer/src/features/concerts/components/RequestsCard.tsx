import { useState } from 'react';
import type { ConcertSnapshot } from '../../../../../src-shared/events';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Card } from '../../../components';
import { concertsApi } from '../api';
import { ReactionsFeed } from './ReactionsFeed';
import '../party.css';

/** What the audience asks for and how it reacts: the host accepts requests into the set list. */
export function RequestsCard({ concert }: { concert: ConcertSnapshot }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const answer = async (requestId: string, accept: boolean) => {
    setBusy(requestId);
    setError(null);
    try {
      await (accept ? concertsApi.acceptRequest(concert.roomId, requestId) : concertsApi.declineRequest(concert.roomId, requestId));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Card
      title={`Requests · ${concert.requests.length}`}
      description="Accepted songs join the end of the set list."
      data-testid="panel-requests"
    >
      <ReactionsFeed roomId={concert.roomId} />
      {error && <Alert tone="error">{error}</Alert>}
      {concert.requests.length === 0 ? (
        <p className="muted">No requests yet.</p>
      ) : (
        <ul className="track-list">
          {concert.requests.map((r) => (
            <li key={r.requestId}>
              <span className="track-main">
                <span className="track-title">{r.title}</span>
                <span className="track-sub muted">asked by {r.name}</span>
              </span>
              <span className="row-actions">
                <Button
                  size="sm"
                  busy={busy === r.requestId}
                  onClick={() => void answer(r.requestId, true)}
                  aria-label={`Accept ${r.title}`}
                >
                  Accept
                </Button>
                <Button
                  size="sm"
                  variant="ghost"
                  disabled={busy !== null}
                  onClick={() => void answer(r.requestId, false)}
                  aria-label={`Decline ${r.title}`}
                >
                  Decline
                </Button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
