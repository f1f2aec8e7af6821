import { memo, useCallback, useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Input } from '../../../components';
import { ariaKeys, useShortcut, withShortcut, type ShortcutId } from '../../../lib/shortcuts';
import { arrangementEnd } from '../../../../../src-shared/api/arrangement';
import { saveBlob, type Track } from '../api';
import { audioReady } from '../audio/context';
import { savedLatency } from '../audio/latency';
import { inputDevices, Microphone } from '../audio/microphone';
import { encodeWav } from '../audio/wav';
import { ArrangePlayer, renderOffline, residualDb } from '../arrange/engine';
import {
  barBeat,
  barSeconds,
  beatSeconds,
  changeLane,
  deleteClip,
  duplicateClip,
  findClip,
  moveClip,
  punchIn,
  snapTime,
  splitClip,
  switchTake,
  trimClip,
  type Arrangement,
  type Clip,
  type Lane,
} from '../arrange/model';
import { arrangeApi, useArrange } from '../arrange/store';
import { useStudio } from '../store';
import { ChannelSliders, MuteSolo } from './ChannelSliders';
import { Glyph, type GlyphName } from './glyphs';
import { LevelMeter } from './LevelMeter';
import { micProblem } from './Recorder';
import '../arrange.css';

const HEAD = 216;
const LANE_HEIGHT = 88;
const ZOOMS = [15, 25, 40, 60, 90, 135, 200, 300];
const INPUT_KEY = 'atelier.studio.input';

/**
 * Per-frame writes change the page only when what they show changes: an unchanged text or level
 * written again would still cost a style pass and a repaint every frame.
 */
function showPosition(el: HTMLElement | null, t: number, doc: Arrangement): void {
  const text = `${barBeat(t, doc)} · ${clock(t)}`;
  if (el && el.textContent !== text) el.textContent = text;
}

/** Peaks as 0…1 of a -60…0 dB scale, in 1 dB steps; the meter's value is the louder side in dB. */
function showLevel(el: HTMLElement | null, left: number, right: number): void {
  const db = (peak: number) => Math.round(Math.min(60, Math.max(0, 20 * Math.log10(peak + 1e-6) + 60)));
  const [l, r] = [db(left), db(right)];
  if (!el || el.dataset.levels === `${l},${r}`) return;
  el.dataset.levels = `${l},${r}`;
  el.style.setProperty('--left', String(l / 60));
  el.style.setProperty('--right', String(r / 60));
  el.setAttribute('aria-valuenow', String(Math.max(l, r) - 60));
}

const clock = (s: number) => `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`;

type Drag = { clipId: string; mode: 'move' | 'start' | 'end'; x0: number; value: number; moved: boolean };

interface Props {
  studioId: number;
  studioName: string;
  tracks: Track[];
  buffers: Record<number, AudioBuffer>;
  /** True while the Recorder above owns the microphone and the Transport. */
  busyElsewhere: boolean;
}

/**
 * The arrange view: the studio's takes as clips on lanes over a bar/beat ruler. Clips move, trim,
 * split and duplicate on the grid; every edit is a version on the server (undo/redo survive a
 * reload); punch-in records a take over the loop into the selected lane; export renders the
 * arrangement and checks it against the server's mix.
 */
export function ArrangeView({ studioId, studioName, tracks, buffers, busyElsewhere }: Props) {
  const { state, error, busy, load, edit, step, clearError } = useArrange();
  const player = useMemo(() => new ArrangePlayer(), []);
  const [zoom, setZoom] = useState(3);
  const [snap, setSnap] = useState(true);
  const [looping, setLooping] = useState(true);
  const [playing, setPlaying] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [selectedLane, setSelectedLane] = useState<string | null>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [loopDraft, setLoopDraft] = useState<{ start: number; end: number } | null>(null);
  const [laneDraft, setLaneDraft] = useState<{ laneId: string; change: Partial<Lane> } | null>(null);
  const [recording, setRecording] = useState<'idle' | 'opening' | 'recording' | 'saving'>('idle');
  const [devices, setDevices] = useState<{ deviceId: string; label: string }[]>([]);
  const [device, setDevice] = useState(() => localStorage.getItem(INPUT_KEY) ?? '');
  const [note, setNote] = useState<string | null>(null);
  const [exported, setExported] = useState<{ residual: number; file: string } | null>(null);
  const [songTitle, setSongTitle] = useState('');
  const [working, setWorking] = useState<string | null>(null);
  const playhead = useRef<HTMLDivElement>(null);
  const readout = useRef<HTMLSpanElement>(null);
  const meter = useRef<HTMLDivElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const position = useRef(0);
  const punch = useRef<{ mic: Microphone; at: number; end: number; laneId: string | null; canvas: HTMLCanvasElement | null } | null>(null);
  const pps = ZOOMS[zoom]!;

  useEffect(() => void load(studioId), [load, studioId]);
  useEffect(() => () => player.dispose(), [player]);
  // A take recorded above, or one deleted, changes the lanes: read the document again.
  const readyIds = tracks
    .filter((t) => t.status === 'ready')
    .map((t) => t.trackId)
    .join(',');
  useEffect(() => void load(studioId), [load, studioId, readyIds]);

  const stored = state?.arrangement ?? null;
  const bufferMap = useMemo(() => new Map(Object.entries(buffers).map(([id, b]) => [Number(id), b])), [buffers]);
  const takeLength = useCallback(
    (trackId: number) => bufferMap.get(trackId)?.duration ?? tracks.find((t) => t.trackId === trackId)?.duration ?? 0,
    [bufferMap, tracks],
  );

  // What is on screen: the stored document with the gesture in progress applied.
  const doc = useMemo(() => {
    if (!stored) return null;
    let shown: Arrangement = stored;
    if (drag?.moved) {
      const found = findClip(stored, drag.clipId);
      if (found) {
        shown =
          drag.mode === 'move'
            ? moveClip(stored, drag.clipId, drag.value)
            : trimClip(stored, drag.clipId, drag.mode, drag.value, takeLength(found.clip.trackId));
      }
    }
    if (laneDraft) shown = changeLane(shown, laneDraft.laneId, laneDraft.change);
    if (loopDraft) shown = { ...shown, loop: loopDraft };
    return shown;
  }, [stored, drag, laneDraft, loopDraft, takeLength]);

  const end = doc ? arrangementEnd(doc) : 0;
  const width = Math.max(end + barSeconds(doc ?? { bpm: 100, beatUnit: 4, beatsPerBar: 4 }) * 4, 30) * pps;
  const loop = doc?.loop ?? null;

  const seek = useCallback(
    (t: number) => {
      position.current = Math.max(0, t);
      if (playhead.current) playhead.current.style.transform = `translateX(${position.current * pps}px)`;
      if (doc) showPosition(readout.current, position.current, doc);
      if (player.playing && doc) player.play(doc, bufferMap, position.current, looping ? doc.loop : null);
    },
    [pps, doc, player, bufferMap, looping],
  );

  // The playhead, readout and master meter move by style writes each frame, never by React state.
  useEffect(() => {
    let frame = 0;
    let shown = [0, 0];
    const tick = () => {
      const rec = punch.current;
      if (rec && player.ctx.currentTime >= rec.end) void finishPunch();
      const at = player.position();
      if (at === null && playing && !rec) {
        setPlaying(false);
      } else if (at !== null) {
        position.current = at;
        if (playhead.current) playhead.current.style.transform = `translateX(${at * pps}px)`;
        if (doc) showPosition(readout.current, at, doc);
        if (rec) drawLive(rec);
      }
      const levels = player.levels();
      shown = levels.map((v, i) => Math.max(v, shown[i]! * 0.9));
      showLevel(meter.current, shown[0]!, shown[1]!);
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  });

  // An edit while playing is heard at once.
  useEffect(() => {
    if (player.playing && doc && !punch.current) player.play(doc, bufferMap, position.current, looping ? doc.loop : null);
  }, [stored, bufferMap, looping]);

  const togglePlay = async () => {
    if (!doc) return;
    if (player.playing) {
      player.stop();
      setPlaying(false);
      return;
    }
    await audioReady();
    const from =
      looping && doc.loop && (position.current < doc.loop.start || position.current >= doc.loop.end) ? doc.loop.start : position.current;
    player.play(doc, bufferMap, from, looping ? doc.loop : null);
    setPlaying(true);
  };

  const commit = (label: string, next: Arrangement | null) => {
    if (next && stored) void edit(label, next);
  };

  const selectedClip = doc && selected ? findClip(doc, selected) : null;
  const split = () => {
    if (!stored || !selected) return;
    const next = splitClip(stored, selected, snapTime(position.current, stored, snap));
    if (!next) setNote('Put the playhead inside the selected clip to split it there.');
    commit('Split clip', next);
  };
  const duplicate = () => {
    if (stored && selected) commit('Duplicate clip', duplicateClip(stored, selected));
  };
  const remove = () => {
    if (stored && selected) {
      commit('Delete clip', deleteClip(stored, selected));
      setSelected(null);
    }
  };
  const toggleLoop = () => setLooping((l) => !l);

  // Lane sliders preview at once and are stored when they rest.
  useEffect(() => {
    if (!laneDraft || !stored) return;
    const timer = setTimeout(() => {
      commit('Mixer', changeLane(stored, laneDraft.laneId, laneDraft.change));
      setLaneDraft(null);
    }, 350);
    return () => clearTimeout(timer);
  }, [laneDraft]);
  const setLane = (laneId: string, change: Partial<Lane>, now = false) => {
    if (!stored) return;
    if (now) commit(Object.keys(change).join(', '), changeLane(stored, laneId, change));
    else setLaneDraft((d) => ({ laneId, change: { ...(d?.laneId === laneId ? d.change : {}), ...change } }));
  };

  const openInputs = async () => {
    try {
      setDevices(await inputDevices());
    } catch {
      setDevices([]);
    }
  };
  useEffect(() => void openInputs(), []);

  const startPunch = async () => {
    if (!doc || !stored) return;
    if (!doc.loop) {
      setNote('Set a loop first: drag across the ruler over the bars to record.');
      return;
    }
    setNote(null);
    clearError();
    setRecording('opening');
    try {
      await audioReady();
      const mic = await Microphone.open(device || undefined);
      void openInputs();
      const from = Math.max(0, doc.loop.start - barSeconds(doc));
      player.play(doc, bufferMap, from, null);
      mic.start();
      const at = player.contextTimeOf(doc.loop.start)!;
      punch.current = {
        mic,
        at,
        // Past the loop's end by the input latency and a margin, so the capture holds the whole loop.
        end: player.contextTimeOf(doc.loop.end)! + (savedLatency()?.seconds ?? 0) + 0.25,
        laneId: selectedLane ?? doc.lanes[0]?.laneId ?? null,
        canvas: null,
      };
      setPlaying(true);
      setRecording('recording');
    } catch (err) {
      setRecording('idle');
      setNote(micProblem(err));
    }
  };

  const drawLive = (rec: NonNullable<typeof punch.current>) => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="live-take"]');
    if (!canvas) return;
    const rate = player.ctx.sampleRate;
    const samples = rec.mic.peek((rec.at + (savedLatency()?.seconds ?? 0)) * rate);
    const g = canvas.getContext('2d');
    if (!g) return;
    const columns = Math.floor(samples.length / rate / (1 / pps));
    if (canvas.width !== canvas.clientWidth) canvas.width = canvas.clientWidth;
    canvas.height = LANE_HEIGHT - 8;
    g.clearRect(0, 0, canvas.width, canvas.height);
    g.fillStyle = getComputedStyle(canvas).color;
    const per = Math.max(1, Math.floor(rate / pps));
    for (let x = 0; x < columns; x++) {
      let peak = 0;
      for (let i = x * per; i < Math.min(samples.length, (x + 1) * per); i += 4) peak = Math.max(peak, Math.abs(samples[i]!));
      const h = Math.max(1, peak * canvas.height);
      g.fillRect(x, (canvas.height - h) / 2, 1, h);
    }
  };

  const finishPunch = async () => {
    const rec = punch.current;
    if (!rec || !stored?.loop) return;
    punch.current = null;
    player.stop();
    setPlaying(false);
    setRecording('saving');
    const rate = player.ctx.sampleRate;
    const loopLength = stored.loop.end - stored.loop.start;
    try {
      const { samples, raw } = await rec.mic.stop((rec.at + (savedLatency()?.seconds ?? 0)) * rate);
      rec.mic.close();
      if (samples.length < rate * 0.25) throw new Error('The take was too short to keep.');
      // Exactly the loop: cut, or padded with silence when stopped early.
      const take = new Float32Array(Math.round(loopLength * rate));
      take.set(samples.subarray(0, take.length));
      const lane = stored.lanes.find((l) => l.laneId === rec.laneId);
      const wav = encodeWav([take], rate);
      const before = new Set(tracks.map((t) => t.trackId));
      await useStudio.getState().uploadTake(studioId, {
        name: `${lane?.name ?? 'Take'} · take ${(lane?.takes.length ?? 0) + 1}`.slice(0, 100),
        instrument: tracks.find((t) => t.trackId === lane?.takes[0])?.instrumentName ?? useStudio.getState().prefs.instrument,
        track: wav,
        record: raw ?? wav,
      });
      const fresh = await arrangeApi.get(studioId);
      const added = useStudio.getState().detail?.trackList.find((t) => !before.has(t.trackId) && t.status === 'ready');
      if (!added) throw new Error('The take was saved but is not ready yet; it appears as its own lane once it is.');
      useArrange.setState({ state: fresh });
      const target = rec.laneId && fresh.arrangement.lanes.some((l) => l.laneId === rec.laneId) ? rec.laneId : null;
      const laneId = target ?? fresh.arrangement.lanes.find((l) => l.takes.includes(added.trackId))!.laneId;
      await edit('Punch-in take', punchIn(fresh.arrangement, laneId, added.trackId, stored.loop.start, take.length / rate));
      setSelectedLane(laneId);
    } catch (err) {
      setNote(errorMessage(err));
    } finally {
      setRecording('idle');
    }
  };

  const exportMix = async () => {
    if (!doc) return;
    setWorking('export');
    setExported(null);
    try {
      await useArrange.getState().settled();
      const rate = player.ctx.sampleRate;
      const current = useArrange.getState().state!.arrangement;
      const [server, local] = await Promise.all([arrangeApi.mix(studioId, rate), renderOffline(current, bufferMap, rate)]);
      const decoded = await player.ctx.decodeAudioData(await server.arrayBuffer());
      const file = `${studioName.replace(/[^\p{L}\p{N} _-]/gu, '').trim() || 'arrangement'}.wav`;
      saveBlob(server, file);
      setExported({ residual: residualDb(decoded, local), file });
    } catch (err) {
      setNote(errorMessage(err));
    } finally {
      setWorking(null);
    }
  };

  const songs = useStudio((s) => s.songs);
  const withStems = (songs ?? []).filter((s) => s.studioId === studioId && (s.extras?.stems.length ?? 0) > 0);
  const [stemSong, setStemSong] = useState<number | null>(null);
  const openStems = async () => {
    const songId = stemSong ?? withStems[0]?.songId;
    if (!songId) return;
    setWorking('stems');
    try {
      await useArrange.getState().settled();
      const opened = await arrangeApi.openStems(studioId, songId);
      useArrange.setState({ state: opened });
      await useStudio.getState().openStudio(studioId);
      setNote(null);
    } catch (err) {
      setNote(errorMessage(err));
    } finally {
      setWorking(null);
    }
  };

  const saveSong = async () => {
    setWorking('song');
    try {
      await useArrange.getState().settled();
      const song = await arrangeApi.saveSong(studioId, { title: songTitle.trim() || studioName });
      useStudio.getState().songSaved(song);
      setNote(`Saved “${song.title}” to this studio's songs: the mix as you hear it.`);
      setSongTitle('');
    } catch (err) {
      setNote(errorMessage(err));
    } finally {
      setWorking(null);
    }
  };

  const active = !!doc && !busyElsewhere;
  const idle = active && recording === 'idle';
  useShortcut('play-pause', () => void togglePlay(), { enabled: idle });
  useShortcut('undo', () => void step('undo'), { enabled: idle && (state?.undo ?? 0) > 0 });
  useShortcut('redo', () => void step('redo'), { enabled: idle && (state?.redo ?? 0) > 0 });
  useShortcut('split', split, { enabled: idle && !!selected });
  useShortcut('duplicate', duplicate, { enabled: idle && !!selected });
  useShortcut('delete-clip', remove, { enabled: idle && !!selected });
  useShortcut('loop', toggleLoop, { enabled: idle });
  useShortcut('to-start', () => seek(0), { enabled: idle });
  useShortcut('punch-in', () => void (recording === 'recording' ? finishPunch() : startPunch()), {
    enabled: active && (recording === 'idle' || recording === 'recording'),
  });

  // The ruler: a click seeks, a drag sets the loop.
  const timeAt = (event: { clientX: number }) => {
    const box = scroller.current!.getBoundingClientRect();
    return Math.max(0, (event.clientX - box.left - HEAD + scroller.current!.scrollLeft) / pps);
  };
  const onRuler = (event: ReactPointerEvent) => {
    if (!doc) return;
    const x0 = event.clientX;
    const t0 = timeAt(event);
    const target = event.currentTarget as HTMLElement;
    target.setPointerCapture(event.pointerId);
    let dragged: { start: number; end: number } | null = null;
    const move = (e: PointerEvent) => {
      if (Math.abs(e.clientX - x0) < 4) return;
      const [a, b] = [snapTime(t0, doc, snap), snapTime(timeAt(e), doc, snap)].sort((p, q) => p - q);
      dragged = { start: a!, end: Math.max(b!, a! + beatSeconds(doc)) };
      setLoopDraft(dragged);
    };
    const up = () => {
      target.removeEventListener('pointermove', move);
      target.removeEventListener('pointerup', up);
      setLoopDraft(null);
      if (dragged && stored) {
        commit('Set loop', { ...stored, loop: dragged });
        setLooping(true);
      } else seek(snapTime(t0, doc, snap));
    };
    target.addEventListener('pointermove', move);
    target.addEventListener('pointerup', up);
  };

  // Clips: the body moves, the edges trim; a click without a drag selects.
  const onClip = (event: ReactPointerEvent, clip: Clip, laneId: string) => {
    if (!doc || recording !== 'idle') return;
    event.stopPropagation();
    const el = event.currentTarget as HTMLElement;
    const box = el.getBoundingClientRect();
    const edge = Math.min(10, box.width / 4);
    const mode = event.clientX - box.left < edge ? 'start' : box.right - event.clientX < edge ? 'end' : 'move';
    const x0 = event.clientX;
    const origin = mode === 'move' ? clip.start : mode === 'start' ? clip.start : clip.start + clip.length;
    el.setPointerCapture(event.pointerId);
    setSelected(clip.clipId);
    setSelectedLane(laneId);
    let current: Drag = { clipId: clip.clipId, mode, x0, value: origin, moved: false };
    const move = (e: PointerEvent) => {
      const dx = e.clientX - x0;
      if (!current.moved && Math.abs(dx) < 3) return;
      current = { ...current, moved: true, value: snapTime(origin + dx / pps, doc, snap && !e.altKey) };
      setDrag(current);
    };
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      setDrag(null);
      if (!current.moved || !stored) return;
      commit(
        mode === 'move' ? 'Move clip' : 'Trim clip',
        mode === 'move'
          ? moveClip(stored, clip.clipId, current.value)
          : trimClip(stored, clip.clipId, mode, current.value, takeLength(clip.trackId)),
      );
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
  };

  if (!doc) {
    return error ? <Alert tone="error">{error}</Alert> : <p className="muted">Loading the arrangement…</p>;
  }
  const names = new Map(tracks.map((t) => [t.trackId, t.trackName]));
  const tool = (glyph: GlyphName, label: string, id: ShortcutId | null, run: () => void, disabled = false, pressed?: boolean) => (
    <button
      type="button"
      className={`arr-tool${pressed ? ' on' : ''}`}
      onClick={run}
      disabled={disabled}
      title={id ? withShortcut(label, id) : label}
      aria-label={label}
      aria-pressed={pressed}
      aria-keyshortcuts={id ? ariaKeys(id) : undefined}
    >
      <Glyph name={glyph} />
    </button>
  );

  return (
    <div
      className="arrange"
      data-testid="arrange"
      style={{ ['--lane-h' as string]: `${LANE_HEIGHT}px`, ['--bar-px' as string]: `${barSeconds(doc) * pps}px` }}
    >
      <div className="arr-toolbar" role="toolbar" aria-label="Arrange">
        <div className="arr-group">
          {tool('start', 'Back to the start', 'to-start', () => seek(0))}
          <button
            type="button"
            className={`arr-play${playing ? ' on' : ''}`}
            onClick={() => void togglePlay()}
            disabled={busyElsewhere || recording !== 'idle'}
            title={withShortcut(playing ? 'Stop' : 'Play', 'play-pause')}
            aria-label={playing ? 'Stop' : 'Play'}
            aria-keyshortcuts={ariaKeys('play-pause')}
            data-testid="arrange-play"
          >
            <Glyph name={playing ? 'stop' : 'play'} />
          </button>
          <button
            type="button"
            className={`arr-rec${recording === 'recording' ? ' on' : ''}`}
            onClick={() => void (recording === 'recording' ? finishPunch() : startPunch())}
            disabled={busyElsewhere || recording === 'opening' || recording === 'saving'}
            title={withShortcut('Punch in: record a take over the loop into the selected lane', 'punch-in')}
            aria-keyshortcuts={ariaKeys('punch-in')}
            data-testid="punch-in"
          >
            <Glyph name="record" />
            {recording === 'recording' ? 'Recording…' : recording === 'saving' ? 'Saving take…' : 'Punch in'}
          </button>
          <span className="arr-readout" ref={readout} aria-label="Timeline clock" data-testid="arrange-position">
            1.1 · 0:00.0
          </span>
        </div>
        <div className="arr-group">
          {tool('loop', looping ? 'Loop on' : 'Loop off', 'loop', toggleLoop, !doc.loop, looping && !!doc.loop)}
          {tool('magnet', snap ? 'Snap to the beat: on' : 'Snap to the beat: off', null, () => setSnap((s) => !s), false, snap)}
          {tool('minus', 'Zoom out', null, () => setZoom((z) => Math.max(0, z - 1)), zoom === 0)}
          {tool('plus', 'Zoom in', null, () => setZoom((z) => Math.min(ZOOMS.length - 1, z + 1)), zoom === ZOOMS.length - 1)}
        </div>
        <div className="arr-group">
          {tool(
            'undo',
            state?.lastChange ? `Undo ${state.lastChange.toLowerCase()}` : 'Undo',
            'undo',
            () => void step('undo'),
            !state?.undo || busy,
          )}
          {tool('redo', 'Redo', 'redo', () => void step('redo'), !state?.redo || busy)}
          {tool('split', 'Split at the playhead', 'split', split, !selected)}
          {tool('duplicate', 'Duplicate', 'duplicate', duplicate, !selected)}
          {tool('trash', 'Delete clip', 'delete-clip', remove, !selected)}
        </div>
        <div className="arr-group arr-meta">
          <label className="arr-grid" title="Tempo of the grid">
            <input
              className="input"
              type="number"
              min={30}
              max={300}
              key={doc.bpm}
              defaultValue={Math.round(doc.bpm * 100) / 100}
              aria-label="Grid tempo (BPM)"
              data-testid="arrange-bpm"
              onBlur={(e) => {
                const bpm = Number(e.target.value);
                if (bpm >= 30 && bpm <= 300 && bpm !== doc.bpm && stored) commit('Tempo', { ...stored, bpm });
                else e.target.value = String(doc.bpm);
              }}
              onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
            />
            BPM
          </label>
          <select
            className="input arr-signature"
            aria-label="Time signature"
            value={`${doc.beatsPerBar}/${doc.beatUnit}`}
            onChange={(e) => {
              const [beatsPerBar, beatUnit] = e.target.value.split('/').map(Number) as [number, 2 | 4 | 8 | 16];
              if (stored) commit('Time signature', { ...stored, beatsPerBar, beatUnit });
            }}
          >
            {['2/4', '3/4', '4/4', '5/4', '6/8', '7/8', '12/8'].map((sig) => (
              <option key={sig}>{sig}</option>
            ))}
          </select>
          <LevelMeter className="arr-meter" ref={meter} label="Master level" testId="master-meter">
            <span className="l" />
            <span className="r" />
          </LevelMeter>
        </div>
      </div>

      <div className="arr-scroll" ref={scroller}>
        <div className="arr-canvas" style={{ width: HEAD + width }}>
          <div className="arr-ruler-row">
            <div className="arr-corner">
              <span className="muted">{state?.version ? `Version ${state.version}` : 'Not edited yet'}</span>
            </div>
            <Ruler doc={doc} pps={pps} width={width} onPointerDown={onRuler} />
          </div>
          {doc.lanes.map((lane) => (
            <LaneRow
              key={lane.laneId}
              lane={lane}
              pps={pps}
              selected={selected}
              active={selectedLane === lane.laneId}
              bufferMap={bufferMap}
              names={names}
              onSelectLane={() => setSelectedLane(lane.laneId)}
              onClip={onClip}
              onLane={setLane}
              live={recording === 'recording' && punch.current?.laneId === lane.laneId ? doc.loop : null}
            />
          ))}
          {doc.lanes.length === 0 && (
            <p className="muted arr-empty">Record or import a take above; each take starts on a lane of its own.</p>
          )}
          {recording === 'recording' && !punch.current?.laneId && doc.loop && (
            <div className="arr-lane">
              <div className="arr-lane-head">New lane</div>
              <div className="arr-lane-body">
                <canvas
                  className="arr-live"
                  data-testid="live-take"
                  style={{ left: doc.loop.start * pps, width: (doc.loop.end - doc.loop.start) * pps }}
                />
              </div>
            </div>
          )}
          {loop && (
            <div
              className={`arr-loop${looping ? '' : ' off'}`}
              style={{ left: HEAD + loop.start * pps, width: (loop.end - loop.start) * pps }}
              data-testid="loop-region"
              aria-hidden="true"
            />
          )}
          <div
            className="arr-playhead"
            ref={playhead}
            style={{ left: HEAD, transform: `translateX(${position.current * pps}px)` }}
            aria-hidden="true"
          />
        </div>
      </div>

      {selectedClip && (
        <div className="arr-inspector" data-testid="clip-inspector">
          <strong>{names.get(selectedClip.clip.trackId) ?? 'Clip'}</strong>
          <span className="muted">
            starts {barBeat(selectedClip.clip.start, doc)} · {selectedClip.clip.length.toFixed(2)} s · from{' '}
            {selectedClip.clip.offset.toFixed(2)} s of the take
          </span>
          {selectedClip.lane.takes.length > 1 && (
            <label className="arr-take">
              Take
              <select
                className="input"
                value={selectedClip.clip.trackId}
                onChange={(e) =>
                  commit(
                    'Switch take',
                    switchTake(stored!, selectedClip.clip.clipId, Number(e.target.value), takeLength(Number(e.target.value))),
                  )
                }
              >
                {selectedClip.lane.takes.map((id, i) => (
                  <option key={id} value={id}>
                    {i + 1}. {names.get(id) ?? `Take ${id}`}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
      )}

      <div className="arr-foot">
        <label className="arr-input">
          <span>Input</span>
          <select
            className="input"
            value={device}
            onChange={(e) => (setDevice(e.target.value), localStorage.setItem(INPUT_KEY, e.target.value))}
            data-testid="input-device"
          >
            <option value="">System default</option>
            {devices.map((d) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <span className="muted arr-hint">
          Drag on the ruler to set the loop · drag a clip to move it, its edges to trim ·{' '}
          {selectedLane
            ? `punch-in records into “${doc.lanes.find((l) => l.laneId === selectedLane)?.name}”`
            : 'select a lane to punch into it'}
        </span>
        {withStems.length > 0 && (
          <div className="arr-stems">
            <select
              className="input"
              aria-label="Composed song"
              value={stemSong ?? withStems[0]!.songId}
              onChange={(e) => setStemSong(Number(e.target.value))}
            >
              {withStems.map((s) => (
                <option key={s.songId} value={s.songId}>
                  {s.title} ({s.extras!.stems.length} stems)
                </option>
              ))}
            </select>
            <Button size="sm" onClick={() => void openStems()} busy={working === 'stems'} disabled={!!working} data-testid="open-stems">
              Open stems as tracks
            </Button>
          </div>
        )}
        <div className="arr-export">
          <Button
            size="sm"
            onClick={() => void exportMix()}
            busy={working === 'export'}
            disabled={end === 0 || !!working}
            data-testid="export-mix"
          >
            <Glyph name="download" />
            Export WAV
          </Button>
          <Input
            aria-label="Title of the arranged song"
            placeholder={studioName}
            value={songTitle}
            maxLength={100}
            onChange={(e) => setSongTitle(e.target.value)}
          />
          <Button
            size="sm"
            variant="primary"
            onClick={() => void saveSong()}
            busy={working === 'song'}
            disabled={end === 0 || !!working}
            data-testid="save-arrangement"
          >
            Save as song
          </Button>
        </div>
      </div>
      {exported && (
        <p className="arr-exported" data-testid="export-result" data-residual={exported.residual.toFixed(1)}>
          Exported {exported.file}: the server's mix and this browser's render agree to{' '}
          {exported.residual === -Infinity ? 'the last bit' : `${exported.residual.toFixed(0)} dB`}.
        </p>
      )}
      {note && <Alert tone="info">{note}</Alert>}
      {error && <Alert tone="error">{error}</Alert>}
    </div>
  );
}

/** The page's theme (`data-theme` on the root): canvases draw with its colours, so they redraw when it changes. */
function useTheme(): string | null {
  const [theme, setTheme] = useState(() => document.documentElement.dataset.theme ?? null);
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(document.documentElement.dataset.theme ?? null));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);
  return theme;
}

/** Bars and beats along the top, drawn on a canvas when the grid or the zoom changes. */
const Ruler = memo(function Ruler({
  doc,
  pps,
  width,
  onPointerDown,
}: {
  doc: Arrangement;
  pps: number;
  width: number;
  onPointerDown(e: ReactPointerEvent): void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { bpm, beatUnit, beatsPerBar } = doc;
  const theme = useTheme();
  useEffect(() => {
    const el = canvas.current;
    const g = el?.getContext('2d');
    if (!el || !g) return;
    const ratio = window.devicePixelRatio || 1;
    el.width = Math.round(width * ratio);
    el.height = Math.round(28 * ratio);
    g.scale(ratio, ratio);
    const style = getComputedStyle(el);
    const beat = beatSeconds({ bpm, beatUnit });
    // Every beat when they are far enough apart, else bars only.
    const showBeats = beat * pps >= 12;
    g.font = `600 11px ${style.fontFamily}`;
    for (let n = 0; n * beat * pps < width; n++) {
      const x = Math.round(n * beat * pps) + 0.5;
      const bar = n % beatsPerBar === 0;
      if (!bar && !showBeats) continue;
      g.fillStyle = bar ? style.color : style.getPropertyValue('--arr-tick') || style.color;
      g.fillRect(x, bar ? 10 : 20, 1, bar ? 18 : 8);
      const label = n / beatsPerBar + 1;
      if (bar && (beatsPerBar * beat * pps >= 28 || label % 4 === 1)) g.fillText(String(label), x + 4, 19);
    }
  }, [bpm, beatUnit, beatsPerBar, pps, width, theme]);
  return (
    <div className="arr-ruler" onPointerDown={onPointerDown} data-testid="ruler" title="Click to move the playhead, drag to set the loop">
      <canvas ref={canvas} style={{ width, height: 28 }} />
    </div>
  );
});

interface LaneProps {
  lane: Lane;
  pps: number;
  selected: string | null;
  active: boolean;
  bufferMap: ReadonlyMap<number, AudioBuffer>;
  names: Map<number, string>;
  live: { start: number; end: number } | null;
  onSelectLane(): void;
  onClip(e: ReactPointerEvent, clip: Clip, laneId: string): void;
  onLane(laneId: string, change: Partial<Lane>, now?: boolean): void;
}

const LaneRow = memo(function LaneRow({ lane, pps, selected, active, bufferMap, names, live, onSelectLane, onClip, onLane }: LaneProps) {
  return (
    <div className={`arr-lane${active ? ' active' : ''}${lane.mute ? ' muted-lane' : ''}`} data-testid="lane" aria-label={lane.name}>
      <div className="arr-lane-head" onClick={onSelectLane}>
        <div className="arr-lane-title">
          <span className="arr-lane-name">{lane.name}</span>
          <span className="muted">{lane.takes.length === 1 ? '1 take' : `${lane.takes.length} takes`}</span>
        </div>
        <div className="arr-lane-buttons" onClick={(e) => e.stopPropagation()}>
          <MuteSolo name={lane.name} mute={lane.mute} solo={lane.solo} onChange={(change) => onLane(lane.laneId, change, true)} />
        </div>
        <div className="arr-lane-mix" onClick={(e) => e.stopPropagation()}>
          <ChannelSliders name={lane.name} volume={lane.volume} pan={lane.pan} onChange={(change) => onLane(lane.laneId, change)} />
        </div>
      </div>
      <div className="arr-lane-body" onPointerDown={onSelectLane}>
        {lane.clips.map((clip) => (
          <ClipView
            key={clip.clipId}
            clip={clip}
            pps={pps}
            selected={selected === clip.clipId}
            buffer={bufferMap.get(clip.trackId)}
            name={names.get(clip.trackId) ?? 'Take'}
            onPointerDown={(e) => onClip(e, clip, lane.laneId)}
          />
        ))}
        {live && (
          <canvas className="arr-live" data-testid="live-take" style={{ left: live.start * pps, width: (live.end - live.start) * pps }} />
        )}
      </div>
    </div>
  );
});

/** One clip: its part of the take's waveform, drawn when the clip or the zoom changes. */
const ClipView = memo(function ClipView({
  clip,
  pps,
  selected,
  buffer,
  name,
  onPointerDown,
}: {
  clip: Clip;
  pps: number;
  selected: boolean;
  buffer: AudioBuffer | undefined;
  name: string;
  onPointerDown(e: ReactPointerEvent): void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = Math.max(4, clip.length * pps);
  const theme = useTheme();
  useEffect(() => {
    const el = canvas.current;
    const g = el?.getContext('2d');
    if (!el || !g || !buffer) return;
    const ratio = window.devicePixelRatio || 1;
    const columns = Math.min(8192, Math.round(width * ratio));
    el.width = columns;
    el.height = Math.round((LANE_HEIGHT - 26) * ratio);
    g.clearRect(0, 0, el.width, el.height);
    g.fillStyle = getComputedStyle(el).color;
    const data = buffer.getChannelData(0);
    const from = Math.floor(clip.offset * buffer.sampleRate);
    const per = (clip.length * buffer.sampleRate) / columns;
    const stepBy = Math.max(1, Math.floor(per / 64));
    for (let x = 0; x < columns; x++) {
      let peak = 0;
      const a = from + Math.floor(x * per);
      const b = Math.min(data.length, from + Math.floor((x + 1) * per));
      for (let i = a; i < b; i += stepBy) peak = Math.max(peak, Math.abs(data[i]!));
      const h = Math.max(ratio, Math.min(1, peak * 1.4) * el.height);
      g.fillRect(x, (el.height - h) / 2, 1, h);
    }
  }, [buffer, clip.offset, clip.length, width, theme]);
  return (
    <div
      className={`arr-clip${selected ? ' selected' : ''}`}
      style={{ left: clip.start * pps, width }}
      onPointerDown={onPointerDown}
      data-testid="clip"
      data-clip={clip.clipId}
      data-start={clip.start.toFixed(3)}
      data-length={clip.length.toFixed(3)}
      aria-label={`${name}, ${clip.length.toFixed(2)} s`}
      data-selected={selected || undefined}
    >
      <span className="arr-clip-name">{name}</span>
      <canvas ref={canvas} />
      <span className="arr-edge start" aria-hidden="true" />
      <span className="arr-edge end" aria-hidden="true" />
    </div>
  );
});
