import { useCallback, useEffect, useRef, useState } from 'react';
import { correctDrift, expectedPosition, measureClockOffset } from '../../../../src-shared/clock';
import type { ConcertSnapshot } from '../../../../src-shared/events';
import type { AtelierSocket } from '../../lib/socket';

/** performance.now() does not jump when the wall clock is set; timeOrigin puts it on the epoch. */
const localNow = () => performance.timeOrigin + performance.now();

const CLOCK_REFRESH_MS = 30_000;
const CHECK_MS = 500;
const PING_TIMEOUT_MS = 2_000;
/** Seconds: a seek that takes longer than this is a stall, not something to aim ahead for. */
const MAX_SEEK_LAG = 0.5;
/** Seconds: after a seek, a gap larger than this is seeked again rather than nudged away. */
const SEEK_RETRY_ABOVE = 0.04;

/**
 * The server's clock as seen from this page: a best-of-8 NTP-style estimate over `clock:ping`,
 * measured again every 30 s (and after a reconnect) because the two clocks drift apart.
 * Until the first estimate, a snapshot's `serverTime` gives a rough one.
 */
export function useServerClock(socket: AtelierSocket | null) {
  const offset = useRef<number | null>(null);
  const [synced, setSynced] = useState(false);

  useEffect(() => {
    if (!socket) return;
    let stopped = false;
    const ping = (t0: number) =>
      socket
        .timeout(PING_TIMEOUT_MS)
        .emitWithAck('clock:ping', { t0 })
        .then((pong) => pong.t1);
    const measure = () =>
      void measureClockOffset(ping, localNow).then(
        (estimate) => {
          if (stopped) return;
          offset.current = estimate.offset;
          setSynced(true);
        },
        // Every exchange was lost (offline): keep the last estimate and try at the next round.
        () => undefined,
      );
    measure();
    const timer = setInterval(measure, CLOCK_REFRESH_MS);
    socket.on('connect', measure);
    return () => {
      stopped = true;
      clearInterval(timer);
      socket.off('connect', measure);
    };
  }, [socket]);

  /** A rough offset from a snapshot, used only before the first measurement. */
  const hint = useCallback((serverTime: number) => {
    offset.current ??= serverTime - localNow();
  }, []);

  const serverNow = useCallback(() => localNow() + (offset.current ?? 0), []);
  return { serverNow, hint, synced };
}

export interface PlaybackSample {
  position: number;
  serverNow: number;
  songNum: number | null;
  songStartedAt: number | null;
  pausedPositionMs: number | null;
  /** Whether the element is paused. */
  paused: boolean;
}

declare global {
  interface Window {
    /** Read-only view of the concert player for end-to-end tests. */
    readonly __atelierConcert?: { sample(): PlaybackSample };
  }
}

/**
 * Plays the concert's current song in step with everyone else: from expectedPosition(serverNow,
 * songStartedAt), checked every 500 ms and corrected by correctDrift (a seek for a large gap, a
 * slight rate change for a small one). `blocked` is set when the browser refused to start audio
 * without a gesture; `resume()` is that gesture.
 */
export function usePlaybackSync(concert: ConcertSnapshot | null, serverNow: () => number) {
  const audio = useRef<HTMLAudioElement | null>(null);
  const [blocked, setBlocked] = useState(false);
  const [ended, setEnded] = useState(false);

  const song = concert?.songs.find((s) => s.songNum === concert.currentSong) ?? null;
  const url = song?.playbackUrl || null;
  // Every snapshot re-signs the URLs, so the URL string changes when anyone joins: the audio id says
  // whether the file is another one, and the newest URL is kept for when a load must be redone.
  const audioId = url ? song!.audioId : null;
  const latestUrl = useRef(url);
  latestUrl.current = url;
  const songNum = song?.songNum ?? null;
  const startedAt = concert?.songStartedAt ?? null;
  const pausedMs = concert?.pausedPositionMs ?? null;
  const playing = audioId !== null && startedAt !== null;

  const state = useRef({ songNum, startedAt, pausedMs });
  /** Seconds this player was ahead (+) or behind (−) the room clock at the last check; null before one. */
  const offset = useRef<number | null>(null);
  const seekLag = useRef(0);
  const measureNextCheck = useRef(false);
  const loadedAudio = useRef<number | null>(null);
  /** Refused by autoplay rules: nothing is tried again until the listener's gesture (resume). */
  const blockedRef = useRef(false);
  state.current = { songNum, startedAt, pausedMs };

  const play = useCallback((element: HTMLAudioElement) => {
    element.play().then(
      () => {
        blockedRef.current = false;
        setBlocked(false);
      },
      (err: unknown) => {
        // NotAllowedError: autoplay rules want a tap first. An AbortError only means a newer load won.
        if (err instanceof DOMException && err.name === 'NotAllowedError') {
          blockedRef.current = true;
          setBlocked(true);
        }
      },
    );
  }, []);

  /** Puts the element where the room is now, or stops it when the song is over. */
  const align = useCallback(
    (element: HTMLAudioElement, forceSeek: boolean) => {
      const { startedAt: started, pausedMs: pausedAt } = state.current;
      if (started === null) return;
      // The host paused: hold still where the room holds.
      if (pausedAt !== null) {
        if (!element.paused) element.pause();
        const at = pausedAt / 1000;
        if (Math.abs(element.currentTime - at) > SEEK_RETRY_ABOVE) element.currentTime = at;
        offset.current = element.currentTime - at;
        setEnded(false);
        return;
      }
      const expected = expectedPosition(serverNow(), started);
      const duration = Number.isFinite(element.duration) ? element.duration : null;
      if (duration !== null && expected >= duration) {
        if (!element.paused) element.pause();
        setEnded(true);
        return;
      }
      setEnded(false);
      const drift = expected - element.currentTime;
      offset.current = -drift;
      // The first check after a seek shows how long a seek takes here (the clock ran on while it
      // loaded): learn it, so seeks aim that far ahead and land on time.
      if (measureNextCheck.current && !forceSeek && !element.paused) {
        measureNextCheck.current = false;
        seekLag.current = Math.min(MAX_SEEK_LAG, Math.max(0, seekLag.current + drift));
        if (Math.abs(drift) > SEEK_RETRY_ABOVE) forceSeek = true;
      }
      const fix = forceSeek ? { seekTo: expected, playbackRate: 1 } : correctDrift(element.currentTime, expected);
      if (fix.seekTo !== null) {
        element.currentTime = fix.seekTo + seekLag.current;
        measureNextCheck.current = true;
      }
      element.playbackRate = fix.playbackRate;
      if (element.paused) play(element);
    },
    [play, serverNow],
  );

  // A new song or a restart (new songStartedAt) loads and seeks at once, not at the next check.
  useEffect(() => {
    const element = audio.current;
    if (!element) return;
    if (!playing) {
      element.pause();
      element.removeAttribute('src');
      element.load();
      loadedAudio.current = null;
      setEnded(false);
      return;
    }
    const load = () => {
      element.src = latestUrl.current!;
      element.load();
      loadedAudio.current = audioId;
    };
    if (loadedAudio.current !== audioId) load();
    const onReady = () => {
      if (!blockedRef.current) align(element, true);
    };
    // Also after a reload, which loads the metadata again.
    element.addEventListener('loadedmetadata', onReady);
    if (element.readyState >= HTMLMediaElement.HAVE_METADATA) onReady();
    const timer = setInterval(() => {
      // A failed load (the network dropped, the signature lapsed) is tried again with the newest URL.
      if (element.error) load();
      else if (element.readyState >= HTMLMediaElement.HAVE_METADATA && !element.seeking && !blockedRef.current) align(element, false);
    }, CHECK_MS);
    return () => {
      clearInterval(timer);
      element.removeEventListener('loadedmetadata', onReady);
    };
  }, [playing, audioId, songNum, startedAt, pausedMs, align]);

  useEffect(() => {
    // Read-only: a test observes the player, it cannot swap it. Configurable, so leaving removes it.
    Object.defineProperty(window, '__atelierConcert', {
      configurable: true,
      writable: false,
      value: Object.freeze({
        sample: (): PlaybackSample => ({
          position: audio.current?.currentTime ?? 0,
          serverNow: serverNow(),
          songNum: state.current.songNum,
          songStartedAt: state.current.startedAt,
          pausedPositionMs: state.current.pausedMs,
          paused: audio.current?.paused ?? true,
        }),
      }),
    });
    return () => void delete (window as { __atelierConcert?: unknown }).__atelierConcert;
  }, [serverNow]);

  /** The listener's gesture: play now, in step, with the permission it gives. */
  const resume = useCallback(() => {
    // A tap on the button is also a pointerdown on the page: one attempt per refusal.
    if (!blockedRef.current) return;
    blockedRef.current = false;
    const element = audio.current;
    if (!element) return;
    // Before the metadata, play() alone takes the permission; loadedmetadata then seeks into step.
    if (element.readyState >= HTMLMediaElement.HAVE_METADATA) align(element, true);
    else play(element);
  }, [align, play]);

  // While refused, any tap or key on the page is the gesture, not only the button.
  useEffect(() => {
    if (!blocked) return;
    const onGesture = () => resume();
    document.addEventListener('pointerdown', onGesture);
    document.addEventListener('keydown', onGesture);
    return () => {
      document.removeEventListener('pointerdown', onGesture);
      document.removeEventListener('keydown', onGesture);
    };
  }, [blocked, resume]);

  return { audio, blocked, ended, song, resume, offset };
}
