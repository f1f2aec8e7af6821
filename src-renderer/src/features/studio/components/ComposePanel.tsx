import { AREA_ENTRIES, catalogEntryPath } from '../../models/catalog';
import { Link } from '../../../app/router';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert, Button, Field, TextField } from '../../../components';
import { ariaKeys, pressSubmit, useShortcut, withShortcut } from '../../../lib/shortcuts';
import { studioApi, type ComposeEngine, type ComposeVibes, type Track } from '../api';
import { useSongCards } from '../hooks/useSongCards';
import { Glyph } from './glyphs';
import { KEYS, SongCards } from './SongCards';
import { VibeChips, type Vibe } from './VibeChips';

const ENGINE_LABEL: Record<ComposeEngine['engine'], string> = {
  arranger: 'Arranger (follows your melody note for note)',
  musicgen: 'MusicGen',
};

/** AI composing from a take (the workflow is useSongCards): the take, vibe chips, key and tempo, engine; two variants as cards. */
export function ComposePanel({ studioId, tracks }: { studioId: number; tracks: Track[] }) {
  const ready = tracks.filter((t) => t.status === 'ready');
  const [trackId, setTrackId] = useState<number | null>(null);
  const [title, setTitle] = useState('');
  const [vibe, setVibe] = useState<Vibe>({ genre: 'pop', mood: 'happy', instruments: ['piano'] });
  const [vibes, setVibes] = useState<ComposeVibes | null>(null);
  const [engines, setEngines] = useState<ComposeEngine[]>([]);
  const [engine, setEngine] = useState<ComposeEngine['engine']>('arranger');
  const [durationSec, setDurationSec] = useState(15);
  // Empty: heard in the take; each card then offers what was heard for correcting.
  const [musicKey, setMusicKey] = useState('');
  const [bpm, setBpm] = useState('');
  const cards = useSongCards(studioId);
  const { busy, unavailable, error } = cards;
  const form = useRef<HTMLFormElement>(null);
  useShortcut('generate', () => pressSubmit(form.current));

  const take = ready.find((t) => t.trackId === trackId) ?? ready[0] ?? null;
  const tempo = Number(bpm);
  const tempoValid = bpm.trim() === '' || (Number.isFinite(tempo) && tempo >= 40 && tempo <= 240);

  useEffect(() => {
    // Without the list the panel still composes with the default engine; the picker just stays hidden.
    studioApi.engines().then(setEngines, () => setEngines([]));
    // Without the list the chips stay hidden and the arranger plays its defaults.
    studioApi.vibes().then(setVibes, () => setVibes(null));
  }, []);
  const musicgen = engines.find((e) => e.engine === 'musicgen' && e.available) ?? null;
  const maxDuration = musicgen?.maxDurationSec ?? 30;

  const start = (event: FormEvent) => {
    event.preventDefault();
    if (!take || !tempoValid) return;
    void cards.compose({
      take,
      name: title.trim() || take.trackName,
      vibe,
      musicgen: engine === 'musicgen' ? { durationSec: Math.min(durationSec, maxDuration) } : null,
      key: musicKey || null,
      bpm: bpm.trim() === '' ? null : tempo,
    });
  };

  if (ready.length === 0) return <p className="muted">Record or import a take first; composing starts from one of them.</p>;

  return (
    <div className="compose" data-testid="compose-panel">
      <form ref={form} className="form" onSubmit={start}>
        <div className="form-grid three">
          <Field label="Take">
            {(c) => (
              <select
                {...c}
                className="input"
                value={take?.trackId ?? ''}
                onChange={(e) => setTrackId(Number(e.target.value))}
                disabled={busy}
              >
                {ready.map((t) => (
                  <option key={t.trackId} value={t.trackId}>
                    {t.trackName}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        {vibes && <VibeChips vibes={vibes} value={vibe} disabled={busy} onChange={setVibe} />}
        {!musicgen && (
          <p className="muted small" data-testid="musicgen-missing">
            The built-in arranger composes now; MusicGen arrangements need the MusicGen small model:{' '}
            <Link to={catalogEntryPath(AREA_ENTRIES.compose)}>install it from the catalog</Link>.
          </p>
        )}
        <div className="form-grid three">
          <Field label="Key" hint="Heard in the take unless you choose one; each card can change it afterwards.">
            {(c) => (
              <select
                {...c}
                className="input"
                value={musicKey}
                onChange={(e) => setMusicKey(e.target.value)}
                disabled={busy}
                data-testid="compose-key"
              >
                <option value="">Detect from the take</option>
                {KEYS.map((k) => (
                  <option key={k}>{k}</option>
                ))}
              </select>
            )}
          </Field>
          <TextField
            label="Tempo (BPM)"
            error={tempoValid ? undefined : 'A tempo from 40 to 240 BPM, or empty to detect it'}
            hint="Empty: heard in the take. Half or double it if a card feels too slow or rushed."
            type="number"
            min={40}
            max={240}
            placeholder="Detect"
            value={bpm}
            onChange={setBpm}
            disabled={busy}
            data-testid="compose-bpm"
          />
        </div>
        {musicgen && (
          <div className="form-grid three">
            <Field
              label="Composer"
              hint={
                engine === 'musicgen'
                  ? `${musicgen.name}: makes new music from the genre, mood and instruments in words, guided by your take where the model can`
                  : undefined
              }
            >
              {(c) => (
                <select
                  {...c}
                  className="input"
                  value={engine}
                  onChange={(e) => setEngine(e.target.value as ComposeEngine['engine'])}
                  disabled={busy}
                  data-testid="compose-engine"
                >
                  {engines
                    .filter((e) => e.available)
                    .map((e) => (
                      <option key={e.engine} value={e.engine}>
                        {ENGINE_LABEL[e.engine]}
                      </option>
                    ))}
                </select>
              )}
            </Field>
            {engine === 'musicgen' && (
              <TextField
                label="Length (seconds)"
                type="number"
                min={1}
                max={maxDuration}
                value={String(durationSec)}
                onChange={(sec) => setDurationSec(Math.max(1, Math.min(maxDuration, Number(sec) || 1)))}
                disabled={busy}
              />
            )}
          </div>
        )}
        <TextField
          label="Title"
          hint="The variants are called “Title · A” and “Title · B”; the take is kept as its source under the title."
          value={title}
          placeholder={take?.trackName}
          maxLength={90}
          onChange={setTitle}
          disabled={busy}
        />
        <div className="form-actions">
          <Button
            type="submit"
            variant="primary"
            busy={busy}
            disabled={!take || !tempoValid}
            data-testid="compose-start"
            title={withShortcut('Compose', 'generate')}
            aria-keyshortcuts={ariaKeys('generate')}
          >
            {!busy && <Glyph name="sparkle" />}
            Compose 2 variants
          </Button>
        </div>
      </form>

      {unavailable && (
        <Alert tone="error" data-testid="composer-unavailable">
          <strong>Composing is not available: </strong>
          {unavailable}
          <span className="block muted">Nothing was saved; “Save as song” below keeps the take as a song without composing.</span>
        </Alert>
      )}
      {error && <Alert tone="error">{error}</Alert>}
      <SongCards cards={cards} vibes={vibes} />
    </div>
  );
}
