import { useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../../../api/client';
import { useJob } from '../../../lib/jobs';
import { putSigned, studioApi, type Cover, type Song, type Track } from '../api';
import { useStudio } from '../store';

export type ComposeStep = 'idle' | 'saving' | 'requesting' | 'following';

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
  /** The source song's name; the AI song is called "<name> (AI)". */
  name: string;
  genre: string;
  mood: string;
  instruments: string[];
  cover: Cover | null;
  /** MusicGen with its length, or the arranger (which follows the take). */
  musicgen: { durationSec: number } | null;
  /** The key and tempo the user set; null: heard in the take. */
  key: string | null;
  bpm: number | null;
}

/**
 * AI composing from a take: the take is saved as a basic song (its source, with the cover), then
 * the server's `studio.compose` job turns it into a song, followed with useJob. The AI song it
 * makes is saved in this studio.
 */
export function useCompose(studioId: number) {
  const songSaved = useStudio((s) => s.songSaved);
  const deleteSong = useStudio((s) => s.deleteSong);
  const [step, setStep] = useState<ComposeStep>('idle');
  const [jobId, setJobId] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<Song | null>(null);
  // A take already saved as a source is reused, not saved again on every attempt.
  const sources = useRef(new Map<string, Song>());
  const job = useJob(jobId);

  useEffect(() => {
    if (!job || job.status !== 'completed') return;
    const songId = (job.result as ComposeResult | null)?.songId;
    studioApi.studioSongs(studioId).then(
      (songs) => {
        const song = songs.find((s) => s.songId === songId) ?? null;
        setResult(song);
        if (song) songSaved(song);
        setStep('idle');
      },
      (err) => setError(errorMessage(err)),
    );
  }, [job, studioId, songSaved]);

  // A source saved only for this attempt goes when the attempt fails: a failed run leaves no song behind.
  const fresh = useRef<Song | null>(null);
  const discardFresh = async () => {
    const song = fresh.current;
    fresh.current = null;
    if (!song) return;
    for (const [key, known] of sources.current) if (known.songId === song.songId) sources.current.delete(key);
    await deleteSong(song.songId).catch(() => undefined);
  };

  useEffect(() => {
    if (job && (job.status === 'failed' || job.status === 'cancelled')) {
      setStep('idle');
      void discardFresh();
    }
    if (job?.status === 'completed') fresh.current = null;
  }, [job]);

  const sourceFor = async ({ take, name, genre, mood, cover }: ComposeRequest): Promise<Song> => {
    const key = `${take.trackId}|${name}|${genre}|${mood}|${cover?.imageFilePath ?? ''}`;
    const known = sources.current.get(key);
    if (known) return known;
    const audio = await fetch(take.trackUrl!);
    if (!audio.ok) throw new ApiError(audio.status, 'TAKE_UNAVAILABLE', 'The take could not be read back from the server');
    const ticket = await studioApi.basicTicket();
    await putSigned(ticket.basicSongPresignedUrl, await audio.blob());
    const song = await studioApi.saveBasic(studioId, {
      basicSongFilePath: ticket.basicSongFilePath,
      name,
      genre,
      mood,
      // The take is a voice take: the instruments are what the AI song is asked for, not what the take holds.
      instruments: [],
      imageFilePath: cover?.imageFilePath,
    });
    songSaved(song);
    sources.current.set(key, song);
    fresh.current = song;
    return song;
  };

  const start = async (request: ComposeRequest) => {
    setError(null);
    setUnavailable(null);
    setResult(null);
    setJobId(null);
    try {
      setStep('saving');
      const basic = await sourceFor(request);
      setStep('requesting');
      const accepted = await studioApi.compose(studioId, {
        basicSongId: basic.songId,
        title: `${request.name} (AI)`,
        genre: request.genre,
        mood: request.mood,
        instruments: request.instruments,
        ...(request.key ? { key: request.key } : {}),
        ...(request.bpm ? { bpm: request.bpm } : {}),
        ...(request.musicgen ? { engine: 'musicgen' as const, durationSec: request.musicgen.durationSec } : {}),
      });
      setJobId(accepted.jobId);
      setStep('following');
    } catch (err) {
      setStep('idle');
      await discardFresh();
      if (err instanceof ApiError && err.code === 'COMPOSER_UNAVAILABLE') setUnavailable(err.message);
      else setError(errorMessage(err));
    }
  };

  return { step, busy: step !== 'idle', job, unavailable, error, result, start, clearResult: () => setResult(null) };
}
