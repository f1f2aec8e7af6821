import { useEffect, useRef, useState } from 'react';
import { Button, Icon } from '../../../components';
import { errorMessage } from '../../../api/client';
import { storiesApi } from '../api';
import { recordMicrophone } from '../microphone';

type State = 'idle' | 'listening' | 'transcribing';

/**
 * The big microphone button: tap to talk, tap again to stop. The recording goes to this
 * computer's Whisper (POST /api/v1/stories/transcribe), which deletes it once it has the words;
 * without a Whisper model the server says so and the child types instead.
 */
export function MicButton({ language, disabled, onText }: { language: 'ko' | 'en'; disabled: boolean; onText: (text: string) => void }) {
  const [state, setState] = useState<State>('idle');
  const [note, setNote] = useState<string | null>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  useEffect(() => () => recorder.current?.stream.getTracks().forEach((t) => t.stop()), []);
  const supported = typeof navigator !== 'undefined' && !!navigator.mediaDevices && typeof MediaRecorder !== 'undefined';

  const start = async () => {
    setNote(null);
    try {
      recorder.current = await recordMicrophone(async (audio) => {
        setState('transcribing');
        try {
          const heard = await storiesApi.transcribe(audio, language);
          setNote(`Heard by ${heard.engine} on ${heard.device}${heard.flagged ? ' (some words were hidden)' : ''}`);
          if (heard.text) onText(heard.text);
        } catch (err) {
          setNote(errorMessage(err));
        } finally {
          setState('idle');
        }
      });
      setState('listening');
    } catch (err) {
      setNote(`The microphone could not be opened: ${errorMessage(err)}. Type the answer instead.`);
    }
  };

  if (!supported) return null;
  return (
    <div className="stories-mic">
      <Button
        type="button"
        variant={state === 'listening' ? 'danger' : 'secondary'}
        className="stories-mic-button"
        aria-pressed={state === 'listening'}
        busy={state === 'transcribing'}
        disabled={disabled}
        onClick={() => (state === 'listening' ? recorder.current?.stop() : void start())}
      >
        <Icon name="mic" size={24} />
        {state === 'listening' ? 'Stop talking' : 'Talk'}
      </Button>
      <span className="muted" role="status" data-testid="mic-status">
        {state === 'listening' ? 'Listening… tap Stop when you are done.' : state === 'transcribing' ? 'Turning speech into words…' : note}
      </span>
    </div>
  );
}
