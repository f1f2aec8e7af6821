import { useState, type FormEvent } from 'react';
import { navigate } from '../../../app/router';
import { Button, Card, SubmitRow, TextField, useAction } from '../../../components';
import { useSocketStore } from '../../../lib/socket';
import { formatTime } from '../room';
import { useConcerts } from '../store';

/** Name, audience size and an ordered set list from the library; the new room starts closed. */
export function NewConcertCard() {
  const library = useConcerts((s) => s.library) ?? [];
  const create = useConcerts((s) => s.create);
  const socket = useSocketStore((s) => s.socket);
  const [name, setName] = useState('');
  const [maxAudience, setMaxAudience] = useState('20');
  const [setList, setSetList] = useState<number[]>([]);
  const { busy, error, run } = useAction();

  const byId = new Map(library.map((a) => [a.id, a]));
  const seats = Number(maxAudience);
  const seatsValid = Number.isInteger(seats) && seats >= 1 && seats <= 10_000;

  const move = (index: number, by: -1 | 1) =>
    setSetList((list) => {
      const next = [...list];
      const [item] = next.splice(index, 1);
      next.splice(index + by, 0, item!);
      return next;
    });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!socket) return;
    void run(
      async () => {
        const roomId = await create(socket, { concertName: name.trim(), audioIds: setList, maxAudience: seats });
        navigate(`/concerts/${encodeURIComponent(roomId)}`);
      },
      { leaves: true },
    );
  };

  return (
    <Card
      title="New concert"
      description="Pick songs from the library and put them in order. The concert starts with its doors closed, so you can get ready first."
      data-testid="new-concert"
    >
      <form className="form" onSubmit={submit} aria-label="New concert" noValidate>
        <div className="form-grid">
          <TextField label="Concert name" value={name} maxLength={200} onChange={setName} data-testid="concert-name-input" />
          <TextField
            label="Seats"
            hint="How many listeners may join at once"
            error={maxAudience && !seatsValid ? 'A whole number from 1 to 10000' : null}
            type="number"
            min={1}
            max={10000}
            value={maxAudience}
            onChange={setMaxAudience}
            data-testid="concert-seats-input"
          />
        </div>
        <div className="setlist-builder">
          <div>
            <h3 className="subheading">Library</h3>
            {library.length === 0 ? (
              <p className="muted">Upload a song to the library first.</p>
            ) : (
              <ul className="track-list" aria-label="Add to the set list">
                {library.map((audio) => (
                  <li key={audio.id}>
                    <span className="track-title">{audio.title}</span>
                    <span className="track-duration muted">{formatTime(audio.duration)}</span>
                    <Button size="sm" variant="ghost" onClick={() => setSetList((l) => [...l, audio.id])} aria-label={`Add ${audio.title}`}>
                      Add
                    </Button>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div>
            <h3 className="subheading">Set list</h3>
            {setList.length === 0 ? (
              <p className="muted">No songs yet. The first one plays when the doors open.</p>
            ) : (
              <ol className="track-list numbered" aria-label="Set list" data-testid="new-setlist">
                {setList.map((id, index) => (
                  <li key={`${id}-${index}`}>
                    <span className="track-title">{byId.get(id)?.title ?? `Audio ${id}`}</span>
                    <span className="row-actions">
                      <Button
                        size="sm"
                        variant="ghost"
                        disabled={index === 0}
                        onClick={() => move(index, -1)}
                        aria-label={`Move ${byId.get(id)?.title} up`}
                      >
                        ↑
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost"
                        disabled={index === setList.length - 1}
                        onClick={() => move(index, 1)}
                        aria-label={`Move ${byId.get(id)?.title} down`}
                      >
                        ↓
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() => setSetList((l) => l.filter((_, i) => i !== index))}
                        aria-label={`Remove ${byId.get(id)?.title}`}
                      >
                        Remove
                      </Button>
                    </span>
                  </li>
                ))}
              </ol>
            )}
          </div>
        </div>
        <SubmitRow busy={busy} disabled={!name.trim() || !seatsValid || !socket} error={error} data-testid="concert-create">
          Create concert
        </SubmitRow>
      </form>
    </Card>
  );
}
