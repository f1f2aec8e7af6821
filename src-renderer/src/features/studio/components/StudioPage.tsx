import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, navigate } from '../../../app/router';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Card, confirmAction, Spinner } from '../../../components';
import { PageHeader } from '../../shell/components/PageHeader';
import { decodeTrack } from '../audio/context';
import { StudioSession } from '../audio/session';
import { useStudio } from '../store';
import { ArrangeView } from './ArrangeView';
import { ComposePanel } from './ComposePanel';
import { Recorder } from './Recorder';
import { SaveSongForm } from './SaveSongForm';
import { SongList } from './SongsPage';
import { TrackList } from './TrackList';

/** One studio: record, the tracks on a timeline with their mixer, composing, and its songs. */
export function StudioPage({ studioId }: { studioId: number }) {
  const { detail, detailError, openStudio, resetStudio, deleteStudio } = useStudio();
  const session = useMemo(() => new StudioSession(), []);
  const [buffers, setBuffers] = useState<Record<number, AudioBuffer>>({});
  const [recording, setRecording] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const studio = detail?.studioId === studioId ? detail : null;

  useEffect(() => {
    void openStudio(studioId);
  }, [openStudio, studioId]);
  useEffect(() => () => session.dispose(), [session]);

  // Every ready take is decoded once (for its waveform) and put on the Transport.
  useEffect(() => {
    if (!studio) return;
    const ready = studio.trackList.filter((t) => t.status === 'ready' && t.trackUrl);
    session.keepOnly(new Set(ready.map((t) => t.trackId)));
    let live = true;
    for (const t of ready) {
      decodeTrack(`${t.trackId}:${t.createdAt}`, t.trackUrl!).then(
        (buffer) => {
          if (!live) return;
          if (!session.has(t.trackId)) session.setTrack(t.trackId, buffer, useStudio.getState().channel(t.trackId));
          setBuffers((b) => (b[t.trackId] === buffer ? b : { ...b, [t.trackId]: buffer }));
        },
        (err) => live && setError(`${t.trackName}: ${errorMessage(err)}`),
      );
    }
    return () => {
      live = false;
    };
  }, [studio, session]);

  // Pending takes settle when the studio is read again; look again shortly while any is pending.
  useEffect(() => {
    if (!studio?.trackList.some((t) => t.status === 'pending')) return;
    const timer = setTimeout(() => void openStudio(studioId), 1500);
    return () => clearTimeout(timer);
  }, [studio, openStudio, studioId]);

  const onPhase = useCallback((r: boolean) => setRecording(r), []);

  const act = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  if (!studio) {
    return detailError ? <Alert tone="error">{detailError}</Alert> : <Spinner label="Opening the studio" />;
  }
  const tracks = studio.trackList;
  return (
    <div className="stack studio">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/compose">Studios</Link> / <span>{studio.studioName}</span>
      </nav>
      <div className="studio-header">
        <PageHeader
          title={studio.studioName}
          description="Record over what is already there: the count-in clicks, the tracks play along, and the take lands on the beat."
        />
        <div className="row">
          <Button
            size="sm"
            variant="ghost"
            disabled={tracks.length === 0 || recording}
            onClick={() =>
              void confirmAction({ title: 'Delete every track of this studio?', confirmLabel: 'Delete all tracks' }).then(
                (ok) => void (ok && act(() => resetStudio(studioId))),
              )
            }
          >
            Reset tracks
          </Button>
          <Button
            size="sm"
            variant="ghost"
            onClick={() =>
              void confirmAction({
                title: `Delete the studio “${studio.studioName}”?`,
                body: 'Its tracks go too. Its finished songs stay in My songs.',
                confirmLabel: 'Delete studio',
              }).then(
                (ok) =>
                  void (
                    ok &&
                    act(async () => {
                      await deleteStudio(studioId);
                      navigate('/compose');
                    })
                  ),
              )
            }
          >
            Delete studio
          </Button>
        </div>
      </div>
      {error && <Alert tone="error">{error}</Alert>}
      <Card title="Record">
        <Recorder studioId={studioId} session={session} nextTakeNumber={tracks.length + 1} onPhase={onPhase} />
      </Card>
      <Card
        title="Arrange"
        description="Takes as clips on lanes: move, trim, split and duplicate them on the grid, loop a section and punch in over it."
      >
        <ArrangeView studioId={studioId} studioName={studio.studioName} tracks={tracks} buffers={buffers} busyElsewhere={recording} />
      </Card>
      <Card title="Takes">
        <TrackList tracks={tracks} buffers={buffers} session={session} recording={recording} />
      </Card>
      <Card
        title="Compose with AI"
        description="Pick a take, a mood, a genre and the instruments; Atelier arranges a full song around it on this computer."
      >
        <ComposePanel studioId={studioId} tracks={tracks} />
      </Card>
      <Card title="Songs of this studio">
        <SaveSongForm studioId={studioId} tracks={tracks} />
        <SongList studioId={studioId} />
      </Card>
    </div>
  );
}
