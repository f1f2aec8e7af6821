import { useCallback, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../../../api/client';
import { isCoverJob, putSigned, studioApi, type ComposeAccepted, type Cover, type Song, type Track } from '../api';
import { useStudio } from '../store';
import type { Vibe } from '../components/VibeChips';

/** What a finished `studio.compose` job reports (families/studio/compose/service.ts). */
export interface ComposeResult {
  songId: number;
  engine?: string;
  key?: string | null;
  tempo?: number | null;
  /** What the engine wants said, e.g. that MusicGen did not use the melody. */
  note?: string | null;
  seed?: number;
}

export interface ComposeRequest {
  take: Track;
  /** The source song's name; the variants are called "<name> · A" and "<name> · B". */
  name: string;
  vibe: Vibe;
  /** MusicGen with its length, or the arranger (which follows the take). */
  musicgen: { durationSec: number } | null;
  /** The key and tempo the user set; null: heard in the take. */
  key: string | null;
  bpm: number | null;
}

/** One card: a song being composed (its job) or made, or an attempt that failed. */
export interface CardState {
  id: string;
  title: string;
  /** Which arrangement of the take (0, 1); reworks keep their parent's. */
  variant: number;
  /** What made it: the compose request, or the card it was reworked from. */
  request: ComposeRequest;
  /** The take saved as its source. */
  basic: Song | null;
  /** The card this one was made from (extend, remix, replace). */
  parentId: string | null;
  jobId: string | null;
  cover: Cover | null;
  song: Song | null;
  error: string | null;
}

const LETTERS = ['A', 'B'];
/** How often a cover job is asked about while a card waits for its cover. */
const COVER_POLL_MS = 1500;

/** A cover of the card's own: the image engine when a model is installed, else a procedural one; the seed keeps two variants apart. */
async function drawCardCover(title: string, vibe: Vibe): Promise<Cover | null> {
  const seed = Math.floor(Math.random() * 2 ** 31);
  try {
    let answer = await studioApi.drawCover({ title, genre: vibe.genre, mood: vibe.mood, engine: 'auto', seed, wait: 30 });
    while (isCoverJob(answer)) {
      if (answer.status === 'completed' && answer.cover) return answer.cover;
      if (answer.status === 'failed' || answer.status === 'cancelled') break;
      await new Promise((r) => setTimeout(r, COVER_POLL_MS));
      answer = await studioApi.coverJob(answer.jobId);
    }
    if (!isCoverJob(answer)) return answer;
  } catch {
    // A song without a cover still composes; the card shows its drawn placeholder.
  }
  return null;
}

/**
 * Song cards: a take saved as the source (a basic song), then two variants composed at once, each
 * with a cover of its own; a card can be composed again with another key or tempo, and a song
 * extended, remixed or partly redone into a new card beside it.
 */
export function useSongCards(studioId: number) {
  const songSaved = useStudio((s) => s.songSaved);
  const deleteSong = useStudio((s) => s.deleteSong);
  const [cards, setCards] = useState<CardState[]>([]);
  const latest = useRef(cards);
  latest.current = cards;
  const [busy, setBusy] = useState(false);
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A take already saved as a source is reused, not saved again on every attempt.
  const sources = useRef(new Map<string, Song>());
  // Sources saved for an attempt none of whose variants has made a song yet: they go when it fails.
  const fresh = useRef(new Set<number>());

  const patch = useCallback(
    (id: string, change: Partial<CardState>) => setCards((all) => all.map((c) => (c.id === id ? { ...c, ...change } : c))),
    [],
  );

  const discard = async (song: Song) => {
    if (!fresh.current.delete(song.songId)) return;
    for (const [key, known] of sources.current) if (known.songId === song.songId) sources.current.delete(key);
    await deleteSong(song.songId).catch(() => undefined);
  };

  const sourceFor = async ({ take, name, vibe }: ComposeRequest): Promise<Song> => {
    const key = `${take.trackId}|${name}|${vibe.genre}|${vibe.mood}`;
    const known = sources.current.get(key);
    if (known) return known;
    const audio = await fetch(take.trackUrl!);
    if (!audio.ok) throw new ApiError(audio.status, 'TAKE_UNAVAILABLE', 'The take could not be read back from the server');
    const ticket = await studioApi.basicTicket();
    await putSigned(ticket.basicSongPresignedUrl, await audio.blob());
    const song = await studioApi.saveBasic(studioId, {
      basicSongFilePath: ticket.basicSongFilePath,
      name,
      genre: vibe.genre,
      mood: vibe.mood,
      // The take is a voice take: the instruments are what the AI song is asked for, not what the take holds.
      instruments: [],
    });
    songSaved(song);
    sources.current.set(key, song);
    fresh.current.add(song.songId);
    return song;
  };

  /** Asks for one variant: its cover, then its job. */
  const composeOne = async (basic: Song, request: ComposeRequest, variant: number, title: string): Promise<Partial<CardState>> => {
    const cover = await drawCardCover(title, request.vibe);
    const accepted: ComposeAccepted = await studioApi.compose(studioId, {
      basicSongId: basic.songId,
      title,
      genre: request.vibe.genre,
      mood: request.vibe.mood,
      instruments: request.vibe.instruments,
      variant,
      ...(cover ? { imageFilePath: cover.imageFilePath } : {}),
      ...(request.key ? { key: request.key } : {}),
      ...(request.bpm ? { bpm: request.bpm } : {}),
      ...(request.musicgen ? { engine: 'musicgen' as const, durationSec: request.musicgen.durationSec } : {}),
    });
    return { jobId: accepted.jobId, cover };
  };

  const refused = (err: unknown) => {
    if (err instanceof ApiError && err.code === 'COMPOSER_UNAVAILABLE') setUnavailable(err.message);
    else setError(errorMessage(err));
  };

  /** Two variants of the take at once, each on its own card. */
  const compose = async (request: ComposeRequest) => {
    setError(null);
    setUnavailable(null);
    setBusy(true);
    let basic: Song | null = null;
    try {
      basic = await sourceFor(request);
      const made = LETTERS.map((letter, variant) => ({
        id: crypto.randomUUID(),
        title: `${request.name} · ${letter}`,
        variant,
        request,
        basic,
        parentId: null,
        jobId: null,
        cover: null,
        song: null,
        error: null,
      }));
      setCards(made);
      const asked = await Promise.allSettled(made.map((card) => composeOne(basic!, request, card.variant, card.title)));
      asked.forEach((a, i) => patch(made[i]!.id, a.status === 'fulfilled' ? a.value : { error: errorMessage(a.reason) }));
      const failure = asked.find((a): a is PromiseRejectedResult => a.status === 'rejected');
      if (failure && asked.every((a) => a.status === 'rejected')) {
        setCards([]);
        refused(failure.reason);
        await discard(basic);
      }
    } catch (err) {
      refused(err);
      if (basic) await discard(basic);
    } finally {
      setBusy(false);
    }
  };

  /** The card composed again (another key or tempo): a new song on the same card. */
  const recompose = async (card: CardState, change: { key: string | null; bpm: number | null }) => {
    const request = { ...card.request, ...change };
    patch(card.id, { request, jobId: null, song: null, error: null, cover: null });
    try {
      const basic = await sourceFor(request);
      patch(card.id, { basic, ...(await composeOne(basic, request, card.variant, card.title)) });
    } catch (err) {
      patch(card.id, { error: errorMessage(err) });
    }
  };

  /** A new card beside `card`, for the song an extend, remix or replace makes. */
  const rework = async (
    card: CardState,
    label: string,
    ask: (songId: number, imageFilePath?: string) => Promise<ComposeAccepted>,
    vibe?: Vibe,
  ) => {
    if (!card.song) return;
    const id = crypto.randomUUID();
    const child: CardState = {
      ...card,
      id,
      title: `${card.song.title} · ${label}`,
      request: vibe ? { ...card.request, vibe } : card.request,
      parentId: card.id,
      jobId: null,
      cover: null,
      song: null,
      error: null,
    };
    setCards((all) => {
      const at = all.findIndex((c) => c.id === card.id);
      return [...all.slice(0, at + 1), child, ...all.slice(at + 1)];
    });
    try {
      // A new song, a cover of its own.
      const cover = await drawCardCover(child.title, child.request.vibe);
      patch(id, { cover, jobId: (await ask(card.song.songId, cover?.imageFilePath)).jobId });
    } catch (err) {
      patch(id, { error: errorMessage(err) });
    }
  };

  /** A card's job ended: its song is read back; a failed first attempt takes its fresh source with it. */
  const settle = useCallback(
    async (card: CardState, outcome: { songId: number } | { error: string }) => {
      if ('error' in outcome) {
        patch(card.id, { error: outcome.error });
        // When no variant made a song, the take saved for them goes: a failed attempt leaves nothing behind.
        const batch = latest.current.filter((c) => c.basic?.songId === card.basic?.songId && c.parentId === null);
        if (card.basic && batch.every((c) => c.id === card.id || (c.error && !c.song))) await discard(card.basic);
        return;
      }
      try {
        const song = (await studioApi.studioSongs(studioId)).find((s) => s.songId === outcome.songId) ?? null;
        if (song) {
          songSaved(song);
          if (song.basicSongId) fresh.current.delete(song.basicSongId);
        }
        patch(card.id, song ? { song } : { error: 'The song was made but could not be read back; find it under the studio’s songs' });
      } catch (err) {
        patch(card.id, { error: errorMessage(err) });
      }
    },
    [patch, songSaved, studioId],
  );

  return {
    cards,
    busy,
    unavailable,
    error,
    compose,
    recompose,
    rework,
    settle,
    remove: (id: string) => setCards((all) => all.filter((c) => c.id !== id)),
  };
}
