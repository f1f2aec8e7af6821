import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Icon, Input } from '../../../components';
import { progressOf, useJob } from '../../../lib/jobs';
import type { JobSnapshot } from '../../../../../src-shared/events';
import { studioApi, type ComposeVibes } from '../api';
import type { CardState, ComposeResult, useSongCards } from '../hooks/useSongCards';
import { SongCard } from './SongCard';
import { SongExtras } from './SongExtras';
import { vibeLabel } from './VibeChips';
import '../song-cards.css';

const PITCHES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];
export const KEYS = PITCHES.flatMap((p) => [`${p} major`, `${p} minor`]);

type Cards = ReturnType<typeof useSongCards>;

/** "about 40 s left", "about 2 min left" */
function timeLeft(seconds: number | null | undefined): string | null {
  if (seconds == null || !Number.isFinite(seconds)) return null;
  const s = Math.max(1, Math.round(seconds));
  return s < 90 ? `about ${s} s left` : `about ${Math.round(s / 60)} min left`;
}

const STAGE: Record<string, string> = {
  decode: 'Reading the take',
  vad: 'Finding the sung phrases',
  transcribe: 'Hearing the melody',
  arrange: 'Arranging the band',
  render: 'Playing the parts',
  mix: 'Mixing and mastering',
  generate: 'Generating',
};

function statusLine(job: JobSnapshot | null, asking: boolean): string {
  if (!job) return asking ? 'Drawing the cover and sending the request' : 'Starting';
  if (job.status === 'queued')
    return `Waiting in the queue${job.position ? ` (#${job.position})` : ''}${job.estimatedWaitSeconds ? `, ${timeLeft(job.estimatedWaitSeconds)!.replace(' left', ' to start')}` : ''}`;
  const stage = (job.stage && STAGE[job.stage]) ?? 'Composing';
  const left = timeLeft(job.estimatedRemainingSeconds);
  return left ? `${stage} · ${left}` : stage;
}

/** The song cards: two variants of the take side by side, and what was made from them. */
export function SongCards({ cards, vibes }: { cards: Cards; vibes: ComposeVibes | null }) {
  if (cards.cards.length === 0) return null;
  return (
    <div className="song-cards" data-testid="compose-result">
      {cards.cards.map((card) => (
        <VariantCard key={card.id} card={card} cards={cards} vibes={vibes} />
      ))}
    </div>
  );
}

function VariantCard({ card, cards, vibes }: { card: CardState; cards: Cards; vibes: ComposeVibes | null }) {
  const job = useJob(card.jobId);
  const settled = useRef<string | null>(null);
  const { settle } = cards;

  useEffect(() => {
    if (!job || settled.current === job.id) return;
    if (job.status === 'completed') {
      settled.current = job.id;
      void settle(card, { songId: (job.result as ComposeResult).songId });
    } else if (job.status === 'failed' || job.status === 'cancelled') {
      settled.current = job.id;
      void settle(card, { error: job.error ?? 'The composition failed' });
    }
  }, [job, card, settle]);

  const result = job?.status === 'completed' ? (job.result as ComposeResult | null) : null;
  const kind = card.parentId ? 'rework' : 'variant';
  if (card.song) {
    return (
      <div className="song-card-slot" data-testid="song-card-slot" data-state="done" data-kind={kind}>
        <SongCard song={card.song} layout="tile" onDeleted={() => cards.remove(card.id)}>
          <CardFacts card={card} result={result} cards={cards} />
          {result?.engine?.startsWith('atelier-arranger') && <CardTools card={card} cards={cards} vibes={vibes} />}
          {card.song.extras && <SongExtras song={card.song} extras={card.song.extras} />}
          {result?.engine && (
            <p className="muted small">
              composed by {result.engine}
              {result.note && <span className="block">{result.note}</span>}
            </p>
          )}
        </SongCard>
      </div>
    );
  }

  const fraction = job ? progressOf(job).fraction : 0;
  const line = card.error ? 'Not made' : statusLine(job, card.jobId === null);
  return (
    <div className="song-card-slot" data-testid="song-card-slot" data-state={card.error ? 'failed' : 'composing'} data-kind={kind}>
      <article className="song-card song-tile pending" aria-label={card.title} aria-busy={!card.error}>
        <div className="song-cover">
          {card.cover ? (
            <img src={card.cover.imageUrl} alt={`Album cover of ${card.title}`} data-testid="card-cover" />
          ) : (
            <span className="song-cover-empty" aria-hidden="true">
              <Icon name="mic" size={28} />
            </span>
          )}
        </div>
        <div className="song-body">
          <h3 className="song-title">{card.title}</h3>
          <p className="song-meta">
            {[vibeLabel(card.request.vibe.genre), card.request.vibe.mood, ...card.request.vibe.instruments.map(vibeLabel)].join(' · ')}
          </p>
          {!card.error && (
            <div className="job" data-testid="compose-progress">
              <div className="job-head">
                <span data-testid="card-status">{line}</span>
                <span className="muted">{Math.round(fraction * 100)}%</span>
              </div>
              <div
                className="progress"
                role="progressbar"
                aria-label={`Composing ${card.title}`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(fraction * 100)}
                aria-valuetext={line}
              >
                <span style={{ width: `${fraction * 100}%` }} />
              </div>
            </div>
          )}
          {card.error && (
            <Alert tone="error">
              {card.error}
              <Button size="sm" variant="ghost" onClick={() => cards.remove(card.id)}>
                Dismiss
              </Button>
            </Alert>
          )}
        </div>
      </article>
    </div>
  );
}

/** The key and tempo the song came out in; changed here, the card composes again. */
function CardFacts({ card, result, cards }: { card: CardState; result: ComposeResult | null; cards: Cards }) {
  const [editing, setEditing] = useState(false);
  const [key, setKey] = useState(result?.key ?? '');
  const [bpm, setBpm] = useState(result?.tempo ? String(Math.round(result.tempo)) : '');
  const tempo = Number(bpm);
  const valid = bpm.trim() === '' || (Number.isFinite(tempo) && tempo >= 40 && tempo <= 240);
  const facts = [result?.key, result?.tempo ? `${Math.round(result.tempo)} BPM` : null].filter(Boolean).join(' · ');
  return (
    <div className="card-facts">
      <div className="card-facts-line">
        {facts && <span data-testid="card-facts">{facts}</span>}
        {!card.parentId && (
          <Button size="sm" variant="ghost" onClick={() => setEditing((e) => !e)} aria-expanded={editing} data-testid="edit-key-tempo">
            {editing ? 'Close' : 'Key & tempo'}
          </Button>
        )}
      </div>
      {editing && (
        <form
          className="card-tune"
          onSubmit={(e) => {
            e.preventDefault();
            if (!valid) return;
            void cards.recompose(card, { key: key || null, bpm: bpm.trim() === '' ? null : tempo });
          }}
        >
          <label className="card-field">
            <span>Key</span>
            <select className="input" value={key} onChange={(e) => setKey(e.target.value)} data-testid="card-key">
              <option value="">Detect</option>
              {KEYS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          <label className="card-field">
            <span>Tempo</span>
            <Input
              type="number"
              min={40}
              max={240}
              value={bpm}
              onChange={(e) => setBpm(e.target.value)}
              aria-invalid={!valid}
              data-testid="card-bpm"
            />
          </label>
          <Button size="sm" type="submit" variant="primary" disabled={!valid} data-testid="recompose">
            Re-compose
          </Button>
        </form>
      )}
    </div>
  );
}

/** Extend, remix and replace a section: each makes a new card beside this one; the song stays. */
function CardTools({ card, cards, vibes }: { card: CardState; cards: Cards; vibes: ComposeVibes | null }) {
  const [bars, setBars] = useState(4);
  const genres = (vibes?.genres ?? []).filter((g) => g !== card.request.vibe.genre);
  const [genre, setGenre] = useState(genres[0] ?? '');
  const [from, setFrom] = useState(1);
  const [to, setTo] = useState(2);
  return (
    <div className="card-tools" data-testid="card-tools">
      <div className="card-tool">
        <select className="input" value={bars} onChange={(e) => setBars(Number(e.target.value))} aria-label="Bars to add">
          {[2, 4, 8].map((n) => (
            <option key={n} value={n}>
              +{n} bars
            </option>
          ))}
        </select>
        <Button
          size="sm"
          onClick={() => void cards.rework(card, 'extended', (id, cover) => studioApi.extend(id, bars, cover))}
          data-testid="extend"
        >
          Extend
        </Button>
      </div>
      {genres.length > 0 && (
        <div className="card-tool">
          <select className="input" value={genre} onChange={(e) => setGenre(e.target.value)} aria-label="Remix as">
            {genres.map((g) => (
              <option key={g} value={g}>
                {vibeLabel(g)}
              </option>
            ))}
          </select>
          <Button
            size="sm"
            onClick={() =>
              void cards.rework(card, genre, (id, cover) => studioApi.remix(id, { genre, ...(cover ? { imageFilePath: cover } : {}) }), {
                ...card.request.vibe,
                genre,
              })
            }
            data-testid="remix"
          >
            Remix
          </Button>
        </div>
      )}
      <div className="card-tool">
        <span className="muted small">Bars</span>
        <BarInput value={from} onChange={setFrom} label="First bar to redo" />
        <span className="muted small">to</span>
        <BarInput value={to} onChange={setTo} label="Last bar to redo" />
        <Button
          size="sm"
          onClick={() => void cards.rework(card, `bars ${from}-${to} redone`, (id, cover) => studioApi.replace(id, from, to, cover))}
          data-testid="replace"
        >
          Redo
        </Button>
      </div>
    </div>
  );
}

/** A bar number, from 1. */
function BarInput({ value, onChange, label }: { value: number; onChange(bar: number): void; label: string }) {
  return (
    <Input
      type="number"
      min={1}
      value={value}
      onChange={(e) => onChange(Math.max(1, Number(e.target.value) || 1))}
      aria-label={label}
      className="bar-input"
    />
  );
}
