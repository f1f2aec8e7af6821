import { AREA_ENTRIES, catalogEntryPath } from '../../models/catalog';
import { Link } from '../../../app/router';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert, Button, Field, Input } from '../../../components';
import { progressOf } from '../../../lib/jobs';
import { ariaKeys, pressSubmit, useShortcut, withShortcut } from '../../../lib/shortcuts';
import type { JobSnapshot } from '../../../../../src-shared/events';
import { studioApi, type ComposeEngine, type Cover, type Track } from '../api';
import { useCompose, type ComposeResult } from '../hooks/useCompose';
import { CoverPicker } from './CoverPicker';
import { Glyph } from './glyphs';
import { ARRANGEMENT, GENRES, MOODS } from './options';
import { SongCard } from './SongCard';
import { SongExtras } from './SongExtras';

const ENGINE_LABEL: Record<ComposeEngine['engine'], string> = {
  arranger: 'Arranger (follows your melody note for note)',
  musicgen: 'MusicGen',
};

const PITCHES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];
const KEYS = PITCHES.flatMap((p) => [`${p} major`, `${p} minor`]);

const STATUS_TEXT: Record<JobSnapshot['status'], string> = {
  queued: 'Waiting in the queue',
  processing: 'Composing',
  completed: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** AI composing from a take (the workflow is useCompose): the take, genre, mood, instruments, engine, cover; progress; the song it made. */
export function ComposePanel({ studioId, tracks }: { studioId: number; tracks: Track[] }) {
  const ready = tracks.filter((t) => t.status === 'ready');
  const [trackId, setTrackId] = useState<number | null>(null);
  const [title, setTitle] = useState('');
  const [genre, setGenre] = useState('pop');
  const [mood, setMood] = useState('happy');
  const [instruments, setInstruments] = useState<string[]>(['piano', 'drums', 'bass']);
  const [cover, setCover] = useState<Cover | null>(null);
  const [engines, setEngines] = useState<ComposeEngine[]>([]);
  const [engine, setEngine] = useState<ComposeEngine['engine']>('arranger');
  const [durationSec, setDurationSec] = useState(15);
  // Empty: heard in the take. After a song, what was heard, for correcting before composing again.
  const [musicKey, setMusicKey] = useState('');
  const [bpm, setBpm] = useState('');
  const { step, busy, job, unavailable, error, result, start: compose, clearResult } = useCompose(studioId);
  const form = useRef<HTMLFormElement>(null);
  useShortcut('generate', () => pressSubmit(form.current));

  const take = ready.find((t) => t.trackId === trackId) ?? ready[0] ?? null;
  const heard = job?.status === 'completed' ? (job.result as ComposeResult | null) : null;

  useEffect(() => {
    if (heard?.key && KEYS.includes(heard.key)) setMusicKey(heard.key);
    if (heard?.tempo) setBpm(String(Math.round(heard.tempo)));
  }, [heard?.key, heard?.tempo]);
  const tempo = Number(bpm);
  const tempoValid = bpm.trim() === '' || (Number.isFinite(tempo) && tempo >= 40 && tempo <= 240);

  useEffect(() => {
    // Without the list the panel still composes with the default engine; the picker just stays hidden.
    studioApi.engines().then(setEngines, () => setEngines([]));
  }, []);
  const musicgen = engines.find((e) => e.engine === 'musicgen' && e.available) ?? null;
  const maxDuration = musicgen?.maxDurationSec ?? 30;

  const toggleInstrument = (name: string) =>
    setInstruments((list) => (list.includes(name) ? list.filter((i) => i !== name) : [...list, name]));

  const start = (event: FormEvent) => {
    event.preventDefault();
    if (!take || !tempoValid) return;
    void compose({
      take,
      name: title.trim() || take.trackName,
      genre,
      mood,
      instruments,
      cover,
      musicgen: engine === 'musicgen' ? { durationSec: Math.min(durationSec, maxDuration) } : null,
      key: musicKey || null,
      bpm: bpm.trim() === '' ? null : tempo,
    });
  };

  const progress = job?.status === 'completed' ? 1 : job ? progressOf(job).fraction : 0;
  const stageText = !job
    ? step === 'saving'
      ? 'Saving the take as the source'
      : 'Sending the request'
    : `${STATUS_TEXT[job.status]}${job.stage && job.status === 'processing' ? `: ${job.stage}` : ''}${job.status === 'queued' && job.position ? ` (#${job.position}${job.estimatedWaitSeconds ? `, about ${Math.ceil(job.estimatedWaitSeconds)} s` : ''})` : ''}`;

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
          <Field label="Mood">
            {(c) => (
              <select {...c} className="input" value={mood} onChange={(e) => setMood(e.target.value)} disabled={busy}>
                {MOODS.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Genre">
            {(c) => (
              <select {...c} className="input" value={genre} onChange={(e) => setGenre(e.target.value)} disabled={busy}>
                {GENRES.map((g) => (
                  <option key={g}>{g}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        {!musicgen && (
          <p className="muted small" data-testid="musicgen-missing">
            The built-in arranger composes now; MusicGen arrangements need the MusicGen small model:{' '}
            <Link to={catalogEntryPath(AREA_ENTRIES.compose)}>install it from the catalog</Link>.
          </p>
        )}
        <div className="form-grid three">
          <Field
            label="Key"
            hint={
              heard?.key
                ? `The song came out in ${heard.key}. Correct it if it is off, then compose again.`
                : 'Heard in the take unless you choose one.'
            }
          >
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
          <Field
            label="Tempo (BPM)"
            error={tempoValid ? undefined : 'A tempo from 40 to 240 BPM, or empty to detect it'}
            hint={
              heard?.tempo
                ? `The song came out at ${Math.round(heard.tempo)} BPM. Half or double it if it feels too slow or rushed.`
                : 'Empty: heard in the take.'
            }
          >
            {(c) => (
              <Input
                {...c}
                type="number"
                min={40}
                max={240}
                placeholder="Detect"
                value={bpm}
                onChange={(e) => setBpm(e.target.value)}
                disabled={busy}
                data-testid="compose-bpm"
              />
            )}
          </Field>
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
              <Field label="Length (seconds)">
                {(c) => (
                  <Input
                    {...c}
                    type="number"
                    min={1}
                    max={maxDuration}
                    value={durationSec}
                    onChange={(e) => setDurationSec(Math.max(1, Math.min(maxDuration, Number(e.target.value) || 1)))}
                    disabled={busy}
                  />
                )}
              </Field>
            )}
          </div>
        )}
        <fieldset className="instrument-picker" disabled={busy}>
          <legend className="field-label">Instruments</legend>
          {ARRANGEMENT.map((name) => (
            <label key={name} className={`chip-toggle${instruments.includes(name) ? ' on' : ''}`}>
              <input type="checkbox" checked={instruments.includes(name)} onChange={() => toggleInstrument(name)} />
              {name}
            </label>
          ))}
        </fieldset>
        <Field label="Title" hint="The AI song is called “Title (AI)”; the take is kept as its source under the title.">
          {(c) => (
            <Input
              {...c}
              value={title}
              placeholder={take?.trackName}
              maxLength={90}
              onChange={(e) => setTitle(e.target.value)}
              disabled={busy}
            />
          )}
        </Field>
        <CoverPicker title={title.trim() || take?.trackName || ''} genre={genre} mood={mood} cover={cover} onChange={setCover} />
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
            Compose
          </Button>
        </div>
      </form>

      {(busy || job) && !unavailable && (
        <div className="job" data-testid="compose-progress">
          <div className="job-head">
            <span>{stageText}</span>
            <span className="muted">{Math.round(progress * 100)}%</span>
          </div>
          <div
            className="progress"
            role="progressbar"
            aria-label="Composing"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(progress * 100)}
            aria-valuetext={stageText}
          >
            <span style={{ width: `${progress * 100}%` }} />
          </div>
          {job?.status === 'failed' && <Alert tone="error">{job.error ?? 'The composition failed.'}</Alert>}
        </div>
      )}
      {unavailable && (
        <Alert tone="error" data-testid="composer-unavailable">
          <strong>Composing is not available: </strong>
          {unavailable}
          <span className="block muted">Nothing was saved; “Save as song” below keeps the take as a song without composing.</span>
        </Alert>
      )}
      {error && <Alert tone="error">{error}</Alert>}
      {result && (
        <div className="compose-result" data-testid="compose-result">
          <ResultFacts result={job?.result as ComposeResult | null} />
          <SongCard song={result} onDeleted={clearResult} />
          {result.extras && <SongExtras song={result} extras={result.extras} />}
        </div>
      )}
    </div>
  );
}

function ResultFacts({ result }: { result: ComposeResult | null }) {
  const facts = [
    result?.key,
    result?.tempo ? `${Math.round(result.tempo)} BPM` : null,
    result?.seed !== undefined ? `seed ${result.seed}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  if (!result?.engine && !facts) return null;
  return (
    <p className="muted small">
      {facts}
      {facts && result?.engine ? ' · ' : ''}
      {result?.engine && `composed by ${result.engine}`}
      {result?.note && <span className="block">{result.note}</span>}
    </p>
  );
}
