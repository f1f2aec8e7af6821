import { useEffect, useState, type FormEvent } from 'react';
import { Link, navigate } from '../../../app/router';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Card, confirmAction, Field, Input, Spinner } from '../../../components';
import { PageHeader } from '../../shell/components/PageHeader';
import { useStudio } from '../store';
import { Glyph } from './glyphs';

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The user's studios: create one, open one, delete one. */
export function StudiosPage() {
  const { studios, studiosError, loadStudios, createStudio, deleteStudio } = useStudio();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => void loadStudios(), [loadStudios]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const studio = await createStudio(name.trim());
      setName('');
      navigate(`/compose/${studio.studioId}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (studioId: number, studioName: string) => {
    if (
      !(await confirmAction({
        title: `Delete the studio “${studioName}”?`,
        body: 'All its takes go too. Its finished songs stay in My songs.',
        confirmLabel: 'Delete studio',
      }))
    )
      return;
    try {
      await deleteStudio(studioId);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <div className="stack">
      <PageHeader
        title="Record & Compose"
        description="Record takes into a studio, play them together, and turn one into a full song with AI."
      />
      <div className="row">
        <Link to="/compose/songs" className="btn btn-secondary">
          My songs
        </Link>
      </div>
      <Card title="New studio">
        <form className="inline-form" onSubmit={(e) => void create(e)}>
          <Field label="Studio name">
            {(c) => <Input {...c} value={name} maxLength={100} placeholder="Summer demo" onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Button type="submit" variant="primary" busy={busy} disabled={!name.trim()} data-testid="create-studio">
            Create studio
          </Button>
        </form>
        {error && <Alert tone="error">{error}</Alert>}
      </Card>
      <Card title="Your studios">
        {studiosError && <Alert tone="error">{studiosError}</Alert>}
        {!studios && !studiosError && <Spinner label="Loading studios" />}
        {studios?.length === 0 && <p className="muted">No studios yet. Name one above to start recording.</p>}
        {studios && studios.length > 0 && (
          <ul className="tile-grid studio-grid" data-testid="studio-list">
            {studios.map((s) => (
              <li key={s.studioId} className="studio-tile">
                <Link to={`/compose/${s.studioId}`} className="studio-tile-link">
                  <span className="studio-tile-name">{s.studioName}</span>
                  <span className="muted small">
                    {s.trackCount === 1 ? '1 track' : `${s.trackCount} tracks`}
                    {s.trackInfo.length > 0 && ` · ${[...new Set(s.trackInfo)].join(', ')}`}
                  </span>
                  <span className="muted small">Changed {when(s.modifiedAt)}</span>
                </Link>
                <button
                  type="button"
                  className="icon-button danger"
                  aria-label={`Delete ${s.studioName}`}
                  onClick={() => void remove(s.studioId, s.studioName)}
                >
                  <Glyph name="trash" />
                </button>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
