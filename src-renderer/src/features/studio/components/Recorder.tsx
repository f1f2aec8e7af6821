import { useEffect, useRef, useState } from 'react';
import * as Tone from '../audio/tone';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Field, FilePicker, TextField } from '../../../components';
import { ariaKeys, useShortcut, withShortcut } from '../../../lib/shortcuts';
import { audioReady } from '../audio/context';
import { estimateLatency, measureLoopback, savedLatency, saveLatency, type Latency } from '../audio/latency';
import { Microphone } from '../audio/microphone';
import { countInFor, type StudioSession } from '../audio/session';
import { encodeWav } from '../audio/wav';
import { useStudio } from '../store';
import { Glyph } from './glyphs';
import { LevelMeter } from './LevelMeter';

export const INSTRUMENTS = ['voice', 'guitar', 'piano', 'bass', 'drums', 'violin', 'trumpet', 'saxophone', 'flute', 'synth', 'other'];

type Phase = 'idle' | 'opening' | 'counting' | 'recording' | 'saving';

/** What went wrong opening the microphone, in words. */
export const micProblem = (err: unknown) =>
  err instanceof DOMException && err.name === 'NotAllowedError'
    ? 'Atelier may not use the microphone. Allow it in the browser, then try again.'
    : errorMessage(err);

interface Props {
  studioId: number;
  session: StudioSession;
  nextTakeNumber: number;
  onPhase(recording: boolean): void;
}

/** Microphone, count-in and metronome, the take's upload; and importing an audio file instead. */
export function Recorder({ studioId, session, nextTakeNumber, onPhase }: Props) {
  const { prefs, setPrefs, uploadTake } = useStudio();
  const [mic, setMic] = useState<Microphone | null>(null);
  const [phase, setPhase] = useState<Phase>('idle');
  const [count, setCount] = useState<number | null>(null);
  const [latency, setLatency] = useState<Latency | null>(savedLatency);
  const [measuring, setMeasuring] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const meter = useRef<HTMLDivElement>(null);
  const takeStart = useRef(0);

  useEffect(() => () => mic?.close(), [mic]);
  useEffect(() => onPhase(phase === 'counting' || phase === 'recording'), [phase, onPhase]);

  // The meter reads the analyser every frame and writes a CSS variable, not React state.
  useEffect(() => {
    if (!mic) return;
    let frame = 0;
    let shown = 0;
    const tick = () => {
      // Rises at once, falls slowly: an instantaneous peak flickers between syllables.
      shown = Math.max(mic.level(), shown * 0.92);
      const db = shown > 0 ? 20 * Math.log10(shown) : -60;
      meter.current?.style.setProperty('--level', String(Math.max(0, (db + 60) / 60)));
      meter.current?.setAttribute('aria-valuenow', String(Math.round(db)));
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [mic]);

  const openMic = async (): Promise<Microphone> => {
    if (mic) return mic;
    setPhase('opening');
    try {
      await audioReady();
      const opened = await Microphone.open();
      setMic(opened);
      if (!savedLatency()) {
        // Measured once per browser; the loopback button replaces the estimate with a real measurement.
        const estimate = estimateLatency(opened);
        saveLatency(estimate);
        setLatency(estimate);
      }
      return opened;
    } finally {
      setPhase('idle');
    }
  };

  const start = async () => {
    setError(null);
    setNote(null);
    try {
      const input = await openMic();
      setPhase('counting');
      setCount(prefs.countIn);
      takeStart.current = await session.record(input, prefs.bpm, countInFor(prefs.bpm, prefs.countIn), prefs.metronome, (beat) => {
        if (beat < 0) setCount(-beat);
        else {
          setCount(null);
          setPhase((p) => (p === 'counting' ? 'recording' : p));
        }
      });
      if (prefs.countIn === 0) setPhase('recording');
    } catch (err) {
      setPhase('idle');
      setError(micProblem(err));
    }
  };

  const stop = async () => {
    if (!mic) return;
    const wasRecording = phase === 'recording';
    session.stop();
    setCount(null);
    const rate = Tone.getContext().sampleRate;
    const from = (takeStart.current + (latency?.seconds ?? 0)) * rate;
    const { samples, raw } = await mic.stop(from);
    if (!wasRecording || samples.length < rate * 0.25) {
      setPhase('idle');
      setNote('The take was too short to keep.');
      return;
    }
    setPhase('saving');
    const wav = encodeWav([samples], rate);
    try {
      await uploadTake(studioId, {
        name: name.trim() || `Take ${nextTakeNumber}`,
        instrument: prefs.instrument,
        track: wav,
        record: raw ?? wav,
      });
      setName('');
      setNote(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setPhase('idle');
    }
  };

  const measure = async () => {
    setError(null);
    setNote(null);
    setMeasuring(true);
    try {
      const input = await openMic();
      const measured = await measureLoopback(input);
      const result = measured ?? estimateLatency(input);
      if (!measured)
        setNote(
          'The clicks did not come back through the microphone (headphones, or a noisy input), so the figure stays the one the browser reports.',
        );
      saveLatency(result);
      setLatency(result);
    } catch (err) {
      setError(micProblem(err));
    } finally {
      setMeasuring(false);
    }
  };

  const importFile = async (file: File) => {
    setError(null);
    setNote(null);
    setPhase('saving');
    try {
      const decoded = await Tone.getContext().decodeAudioData(await file.arrayBuffer());
      const channels = Array.from({ length: Math.min(2, decoded.numberOfChannels) }, (_, c) => decoded.getChannelData(c));
      const wav = encodeWav(channels, decoded.sampleRate);
      await uploadTake(studioId, {
        name: name.trim() || file.name.replace(/\.[^.]+$/, '').slice(0, 100) || `Take ${nextTakeNumber}`,
        instrument: prefs.instrument,
        track: wav,
        record: file,
      });
      setName('');
    } catch (err) {
      setError(
        err instanceof DOMException && err.name === 'EncodingError'
          ? `“${file.name}” is not audio this browser can read.`
          : errorMessage(err),
      );
    } finally {
      setPhase('idle');
    }
  };

  const active = phase === 'counting' || phase === 'recording';
  useShortcut('record', () => void (active ? stop() : start()), {
    enabled: !measuring && phase !== 'opening' && phase !== 'saving',
  });
  return (
    <div className="recorder" data-testid="recorder">
      <div className="recorder-main">
        <Button
          variant={active ? 'danger' : 'primary'}
          className="record-button"
          onClick={() => void (active ? stop() : start())}
          busy={phase === 'opening' || phase === 'saving'}
          disabled={measuring}
          data-testid={active ? 'stop-recording' : 'record'}
          title={withShortcut(active ? 'Stop recording' : 'Record a take', 'record')}
          aria-keyshortcuts={ariaKeys('record')}
        >
          <Glyph name={active ? 'stop' : 'record'} />
          {active ? 'Stop' : phase === 'saving' ? 'Saving take…' : 'Record'}
        </Button>
        <div className="recorder-status" aria-live="polite" data-testid="recorder-status">
          {phase === 'counting' && count !== null && <span className="count-in">{count}</span>}
          {phase === 'recording' && <span className="rec-dot">Recording</span>}
          {phase === 'idle' &&
            (mic ? (
              <span className="muted">Microphone ready</span>
            ) : (
              <Button size="sm" variant="ghost" onClick={() => void openMic().catch((err: unknown) => setError(micProblem(err)))}>
                Check the input level
              </Button>
            ))}
        </div>
        <LevelMeter className="meter" ref={meter} label="Input level" testId="input-meter">
          <span className="meter-fill" />
        </LevelMeter>
      </div>

      <div className="recorder-options">
        <TextField
          label="Take name"
          value={name}
          placeholder={`Take ${nextTakeNumber}`}
          maxLength={100}
          onChange={setName}
          disabled={active}
        />
        <Field label="Instrument">
          {(c) => (
            <select
              {...c}
              className="input"
              value={prefs.instrument}
              onChange={(e) => setPrefs({ instrument: e.target.value })}
              disabled={active}
            >
              {INSTRUMENTS.map((i) => (
                <option key={i}>{i}</option>
              ))}
            </select>
          )}
        </Field>
        <TextField
          label="Tempo (BPM)"
          type="number"
          min={40}
          max={240}
          value={String(prefs.bpm)}
          onChange={(bpm) => setPrefs({ bpm: Math.min(240, Math.max(40, Number(bpm) || 100)) })}
          disabled={active}
        />
        <Field label="Count-in">
          {(c) => (
            <select
              {...c}
              className="input"
              value={prefs.countIn}
              onChange={(e) => setPrefs({ countIn: Number(e.target.value) })}
              disabled={active}
            >
              <option value={0}>None</option>
              <option value={4}>1 bar</option>
              <option value={8}>2 bars</option>
            </select>
          )}
        </Field>
        <label className="check">
          <input type="checkbox" checked={prefs.metronome} onChange={(e) => setPrefs({ metronome: e.target.checked })} disabled={active} />
          Metronome while recording
        </label>
      </div>

      <div className="recorder-foot">
        <span className="latency" data-testid="latency">
          Latency <strong>{latency ? `${Math.round(latency.seconds * 1000)} ms` : 'not measured'}</strong>
          {latency && (
            <span className="muted">
              {' '}
              · {latency.method === 'loopback' ? 'measured by loopback' : 'reported by the browser'}, compensated in every take
            </span>
          )}
        </span>
        <Button size="sm" variant="ghost" onClick={() => void measure()} busy={measuring} disabled={active || phase === 'saving'}>
          Measure with loopback
        </Button>
        <FilePicker
          compact
          label="Import audio file"
          accept="audio/*,.wav,.mp3,.m4a,.ogg,.flac,.webm"
          disabled={active || phase === 'saving'}
          onFiles={([file]) => void importFile(file!)}
          data-testid="import-file"
        />
      </div>
      {note && <Alert tone="info">{note}</Alert>}
      {error && <Alert tone="error">{error}</Alert>}
    </div>
  );
}
