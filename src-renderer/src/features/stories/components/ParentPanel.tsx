import { useEffect, useState } from 'react';
import { Alert, Button, Card, SelectField } from '../../../components';
import { errorMessage } from '../../../api/client';
import { storiesApi, type AgeBand, type PictureStyle, type StorySettings } from '../api';
import { PICTURE_STYLE_LABEL } from './labels';
import { VoiceSamples } from './VoiceSamples';

const AGE_BANDS: { value: AgeBand | ''; label: string }[] = [
  { value: '', label: 'From the child’s age (else 6–8)' },
  { value: '3-5', label: '3–5 years' },
  { value: '6-8', label: '6–8 years' },
  { value: '9-12', label: '9–12 years' },
];

const RETENTION = [
  { value: '', label: 'Keep until I delete them' },
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
];

const KIND = {
  chat: 'Story writer',
  narration: 'Narration voice',
  'speech-to-text': 'Speech to text',
  speaker: 'Voice matching',
  'voice-cloning': 'Your voice (AI)',
} as const;

/**
 * For the grown-up: the defaults a story is written with (age band, language, picture style), how long stories and voice data are kept (the server deletes them when the
 * time is up), the narrator's voice, consent to record an adult's voice and deleting it, and the
 * models on this computer with their licences.
 */
export function ParentPanel() {
  const [settings, setSettings] = useState<StorySettings | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    storiesApi.settings().then(setSettings, (err) => setProblem(errorMessage(err)));
  }, []);

  const save = async (body: Parameters<typeof storiesApi.saveSettings>[0], what: string) => {
    setProblem(null);
    try {
      setSettings(await storiesApi.saveSettings(body));
      setSaved(what);
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };
  // One click: deleting is always safe to do, and nothing of the voice is left to confirm against.
  const forget = async () => {
    try {
      await storiesApi.forgetVoice();
      setSettings(await storiesApi.settings());
      setSaved('Voice data deleted');
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };

  if (!settings) return <Card title="For grown-ups">{problem ? <Alert tone="error">{problem}</Alert> : null}</Card>;
  const voices = settings.models.find((m) => m.kind === 'narration')?.voices ?? [];
  return (
    <Card title="For grown-ups" description="Privacy, voice and the models this computer uses." data-testid="parent-panel">
      <div className="stack">
        <SelectField
          label="Age band"
          value={settings.age_band ?? ''}
          onChange={(value) => void save({ age_band: (value || null) as AgeBand | null }, 'Age band saved')}
          options={AGE_BANDS}
        />
        <SelectField
          label="Story language"
          value={settings.language ?? ''}
          onChange={(value) => void save({ language: (value || null) as 'ko' | 'en' | null }, 'Language saved')}
          options={{ '': 'From the conversation', en: 'English', ko: '한국어' }}
        />
        <SelectField
          label="Picture style"
          value={settings.picture_style}
          onChange={(value) => void save({ picture_style: value as PictureStyle }, 'Picture style saved')}
          options={PICTURE_STYLE_LABEL}
        />
        <SelectField
          label="Delete stories and voice data after"
          value={settings.retention_days === null ? '' : String(settings.retention_days)}
          onChange={(value) => void save({ retention_days: value ? Number(value) : null }, 'Retention saved')}
          options={RETENTION}
        />
        <SelectField
          label="Narrator voice"
          disabled={voices.length === 0}
          value={settings.narrator_voice ?? ''}
          onChange={(value) => void save({ narrator_voice: value || null }, 'Voice saved')}
        >
          <option value="">{voices.length ? `Default (${voices[0]})` : 'No narration voice installed'}</option>
          {voices.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </SelectField>
        <label className="stories-consent">
          <input
            type="checkbox"
            checked={settings.voice_consent_at !== null}
            onChange={(e) => void save({ voice_consent: e.target.checked }, e.target.checked ? 'Consent recorded' : 'Consent withdrawn')}
          />
          <span>
            I am an adult and agree to record my own voice for the narrator. Never record a child’s voice. Recordings are deleted once
            checked.
          </span>
        </label>
        <VoiceSamples
          key={settings.voice_consent_at ?? 'no-consent'}
          consented={settings.voice_consent_at !== null}
          language={navigator.language.startsWith('ko') ? 'ko' : 'en'}
          onMatched={() => void storiesApi.settings().then(setSettings, (err) => setProblem(errorMessage(err)))}
        />
        <p className="muted" data-testid="voice-match">
          {settings.cloned_voice
            ? `Stories are read in your own voice by ${settings.cloned_voice.engine} (an AI voice made from your samples).`
            : settings.voice_match
              ? `Closest preset voice to yours: ${settings.voice_match.voice} (a preset voice, not a copy of yours)`
              : settings.models.some((m) => m.kind === 'speaker')
                ? 'No voice match yet: record five short samples of your voice above.'
                : 'No voice match: finding the preset voice closest to yours needs a speaker-embedding model in models/speaker.'}
        </p>
        <Button
          size="sm"
          variant="danger"
          onClick={() => void forget()}
          disabled={!settings.voice_consent_at && !settings.voice_match && !settings.cloned_voice}
        >
          Delete voice data
        </Button>
        <div>
          <h4 className="stories-models-title">Models on this computer</h4>
          {settings.models.length === 0 ? (
            <p className="muted">None installed: the built-in storyteller writes, and the browser’s voice reads aloud.</p>
          ) : (
            <ul className="stories-models" data-testid="models">
              {settings.models.map((m) => (
                <li key={m.kind}>
                  <strong>{KIND[m.kind]}:</strong> {m.name} — {m.licence}{' '}
                  {m.non_commercial && <span className="stories-badge">Non-commercial use only</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
        {problem && <Alert tone="error">{problem}</Alert>}
        {saved && !problem && (
          <p className="muted" role="status">
            {saved}
          </p>
        )}
      </div>
    </Card>
  );
}
