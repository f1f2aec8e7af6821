import { useEffect, useRef, useState } from 'react';
import { Alert, Button } from '../../../components';
import { errorMessage } from '../../../api/client';
import { openConversationSocket } from '../api';
import { recordMicrophone } from '../microphone';

/** What the server answers about voice samples (src-server/families/stories/conversation/socket.ts). */
type VoiceFrame =
  | { type: 'conversation_started' }
  | { type: 'voice_consent_recorded' }
  | { type: 'voice_clone_progress'; sample_count: number; ready_for_cloning: boolean; voiced_seconds: number }
  | {
      type: 'voice_clone_success';
      voice_id: string;
      match: 'closest_preset' | 'cloned';
      label: string;
      similarity?: number;
      engine: string;
    }
  | { type: 'error'; error_code: string; error_message: string }
  | { type: string };

type Phase = 'off' | 'connecting' | 'ready' | 'recording' | 'checking' | 'done';

/** A parent reads one of these aloud per sample: ordinary sentences with plenty of voiced speech. */
const LINES = [
  'Once upon a time a little rabbit lived at the edge of a quiet wood.',
  'Every morning it hopped down to the river to say hello to the ducks.',
  'One windy day the rabbit found a shiny key hidden under a leaf.',
  'It asked the old owl what the key might open, and the owl smiled.',
  'Together they followed the path of stars all the way home to bed.',
];
/** A sample longer than this stops by itself: the server takes at most a few megabytes per frame. */
const LONGEST_SAMPLE_MS = 15_000;

/**
 * Records the grown-up's own voice for the narrator, only after the consent line is ticked: each
 * sample goes to this computer's server as one binary frame on the conversation socket, which
 * checks it (speech, clipping, same speaker), keeps only its speaker embedding and discards the
 * audio. Five good samples give the closest preset narrator voice, or the server says which model
 * is missing.
 */
export function VoiceSamples({ consented, language, onMatched }: { consented: boolean; language: 'ko' | 'en'; onMatched: () => void }) {
  const [phase, setPhase] = useState<Phase>('off');
  const [progress, setProgress] = useState<{ count: number; ready: boolean; seconds: number } | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const socket = useRef<WebSocket | null>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      recorder.current?.stream.getTracks().forEach((t) => t.stop());
      socket.current?.close();
    },
    [],
  );
  const supported = typeof navigator !== 'undefined' && !!navigator.mediaDevices && typeof MediaRecorder !== 'undefined';

  const connect = () => {
    setProblem(null);
    setResult(null);
    setProgress(null);
    setPhase('connecting');
    // The samples travel on a short conversation of their own, named for what it is.
    const ws = openConversationSocket('Narrator voice', null);
    socket.current = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'start_conversation', payload: { child_name: 'Narrator voice', language } }));
    ws.onerror = () => {
      setProblem('Could not connect to Atelier’s server to record the voice.');
      setPhase('off');
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      const frame = JSON.parse(event.data) as VoiceFrame;
      if (frame.type === 'conversation_started') ws.send(JSON.stringify({ type: 'voice_consent', consent: true, speaker: 'parent' }));
      else if (frame.type === 'voice_consent_recorded') setPhase('ready');
      else if (frame.type === 'voice_clone_progress') {
        const p = frame as Extract<VoiceFrame, { type: 'voice_clone_progress' }>;
        setProgress({ count: p.sample_count, ready: p.ready_for_cloning, seconds: p.voiced_seconds });
        setPhase((now) => (now === 'checking' ? (p.ready_for_cloning ? 'checking' : 'ready') : now));
      } else if (frame.type === 'voice_clone_success') {
        const s = frame as Extract<VoiceFrame, { type: 'voice_clone_success' }>;
        setResult(
          s.match === 'cloned'
            ? `Your own voice is ready: ${s.engine} will read the stories in it (an AI voice made on this computer).`
            : `Closest to your voice: the preset voice ${s.voice_id} (similarity ${(s.similarity ?? 0).toFixed(2)} of 1; a preset voice, not a copy of yours).`,
        );
        setPhase('done');
        ws.close();
        onMatched();
      } else if (frame.type === 'error') {
        const e = frame as Extract<VoiceFrame, { type: 'error' }>;
        setProblem(e.error_code === 'VOICE_MODEL_MISSING' ? `Your voice cannot be used yet. ${e.error_message}.` : e.error_message);
        setPhase((now) => (e.error_code === 'VOICE_MODEL_MISSING' ? 'done' : now === 'checking' ? 'ready' : now));
        if (e.error_code === 'VOICE_MODEL_MISSING') ws.close();
      }
    };
  };

  const record = async () => {
    setProblem(null);
    try {
      const rec = await recordMicrophone(async (audio) => {
        if (timer.current) clearTimeout(timer.current);
        setPhase('checking');
        socket.current?.send(await audio.arrayBuffer());
      });
      recorder.current = rec;
      timer.current = setTimeout(() => rec.state === 'recording' && rec.stop(), LONGEST_SAMPLE_MS);
      setPhase('recording');
    } catch (err) {
      setProblem(`The microphone could not be opened: ${errorMessage(err)}`);
    }
  };

  if (!supported)
    return <p className="muted">This browser cannot record audio, so the narrator voice cannot be set from your voice here.</p>;
  const line = LINES[(progress?.count ?? 0) % LINES.length];
  return (
    <div className="stack" data-testid="voice-samples">
      {phase === 'off' || phase === 'connecting' || phase === 'done' ? (
        <Button size="sm" disabled={!consented} busy={phase === 'connecting'} onClick={connect}>
          {phase === 'done' ? 'Record my voice again' : 'Record my voice'}
        </Button>
      ) : null}
      {!consented && phase === 'off' && <p className="muted">Tick the consent line above before recording.</p>}
      {(phase === 'ready' || phase === 'recording' || phase === 'checking') && (
        <div className="stack">
          <p>
            Read aloud: <q>{line}</q>
          </p>
          <div className="row stories-voice">
            <Button
              size="sm"
              variant={phase === 'recording' ? 'danger' : 'secondary'}
              aria-pressed={phase === 'recording'}
              busy={phase === 'checking'}
              onClick={() => (phase === 'recording' ? recorder.current?.stop() : void record())}
            >
              {phase === 'recording' ? 'Stop sample' : 'Record a sample'}
            </Button>
            <span className="muted">{phase === 'recording' ? 'Recording…' : phase === 'checking' ? 'Checking the sample…' : null}</span>
          </div>
        </div>
      )}
      {progress && (
        <p data-testid="voice-progress" aria-live="polite">
          {`${progress.count} of 5 samples, ${progress.seconds} s of speech${progress.ready ? ' — ready' : ' (10 s needed)'}`}
        </p>
      )}
      {result && <p data-testid="voice-result">{result}</p>}
      {problem && (
        <Alert tone="error" data-testid="voice-problem">
          {problem}
        </Alert>
      )}
    </div>
  );
}
