import { useEffect, useState } from 'react';
import type { ConcertAccessory, ConcertSnapshot, ConcertStage } from '../../../../../src-shared/events';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Card, FilePicker, Input } from '../../../components';
import { concertsApi, libraryModelUrl, stageApi, type AccessoryPreset, type LibraryModel } from '../api';
import { StageView } from './StageView';
import { AccessoryForm, modelOptions } from './AccessoryForm';
import { ChoiceSelect } from './ChoiceSelect';
import '../stage.css';

type Source = 'preset' | 'model';

/** What the listeners' stage would show next: the preset alone, or the current accessories plus the one being added. */
function draftOf(source: Source, current: ConcertAccessory[], preset: ConcertAccessory[] | null, candidate: ConcertAccessory | null) {
  if (source === 'preset') return preset;
  return candidate ? [...current, candidate] : null;
}

/**
 * The stage the listeners see: a 3D model of the host's library, dressed with accessories picked
 * from saved presets or the library, with a live preview. The audience dresses the avatar when it
 * joins, so changes wait for closed doors.
 */
export function AccessoriesCard({ concert }: { concert: ConcertSnapshot }) {
  const [models, setModels] = useState<LibraryModel[] | null>(null);
  const [presets, setPresets] = useState<AccessoryPreset[]>([]);
  const [source, setSource] = useState<Source>('preset');
  const [presetId, setPresetId] = useState('');
  const [presetAccessories, setPresetAccessories] = useState<ConcertAccessory[] | null>(null);
  const [candidate, setCandidate] = useState<ConcertAccessory | null>(null);
  const [sockets, setSockets] = useState<string[]>([]);
  const [preview, setPreview] = useState<ConcertStage | null>(null);
  const [presetName, setPresetName] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const locked = concert.isOpen;
  const stageModelId = concert.stage?.model.modelId ?? null;
  const draft = draftOf(source, concert.accessories, presetAccessories, candidate);

  const loadLibrary = () => {
    void stageApi.models().then(setModels, (err) => setNote({ tone: 'error', text: errorMessage(err) }));
    void stageApi.presets().then(setPresets, () => setPresets([]));
  };
  useEffect(loadLibrary, []);

  useEffect(() => {
    setPresetAccessories(null);
    if (!presetId) return;
    let current = true;
    void stageApi.presetAccessories(Number(presetId)).then(
      (list) => current && setPresetAccessories(list),
      (err) => current && setNote({ tone: 'error', text: errorMessage(err) }),
    );
    return () => {
      current = false;
    };
  }, [presetId]);

  // The preview asks the server, so it signs exactly what listeners would load.
  const draftKey = JSON.stringify(draft);
  useEffect(() => {
    if (stageModelId === null || draft === null) {
      setPreview(null);
      return;
    }
    let current = true;
    const timer = setTimeout(
      () =>
        void stageApi.preview(concert.roomId, draft).then(
          (stage) => current && setPreview(stage),
          () => current && setPreview(null),
        ),
      250,
    );
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // draftKey stands for draft: a new array each render with the same content must not refetch.
  }, [concert.roomId, stageModelId, draftKey]);

  const run = async (action: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setNote(null);
    try {
      await action();
      setNote({ tone: 'success', text: done });
      return true;
    } catch (err) {
      setNote({ tone: 'error', text: errorMessage(err) });
      return false;
    } finally {
      setBusy(false);
    }
  };

  const upload = async (file: File) => {
    const name = file.name.replace(/\.[^.]+$/, '');
    await run(async () => {
      const model = await stageApi.uploadModel(file, name);
      setModels((list) => [model, ...(list ?? [])]);
    }, `${name} is in your 3D models`);
  };

  const usePreset = async () => {
    if (!presetAccessories) return;
    const ok = await run(() => stageApi.replaceAccessories(concert.roomId, presetAccessories), 'The stage wears the preset');
    if (ok) setPresetId('');
  };
  const addCandidate = async () => {
    if (!candidate) return;
    const ok = await run(() => concertsApi.addAccessory(concert.roomId, candidate), 'Accessory added');
    if (ok) setCandidate(null);
  };
  const savePreset = async () => {
    const name = presetName.trim();
    const ok = await run(async () => {
      const saved = await stageApi.savePreset(name, concert.accessories);
      setPresets((list) => [saved, ...list]);
    }, `Saved as “${name}”`);
    if (ok) setPresetName('');
  };

  const modelName = (url: string) => models?.find((m) => libraryModelUrl(m.id) === url)?.model_name ?? null;
  const shown = preview ?? concert.stage;

  return (
    <Card
      title="Stage and accessories"
      description="Listeners see your 3D model on the stage, dressed with these accessories (and so does an Unreal listen server)."
      data-testid="concert-accessories"
    >
      {locked && (
        <Alert tone="info" data-testid="accessories-locked">
          The doors are open: listeners have already dressed the avatar, so the stage and its accessories can only change while the concert
          is closed.
        </Alert>
      )}
      <fieldset className="plain-fieldset" disabled={locked || busy}>
        <div className="row">
          <label className="field-inline">
            <span>Stage model</span>
            <ChoiceSelect
              label="Stage model"
              value={stageModelId === null ? '' : String(stageModelId)}
              empty="No stage"
              options={modelOptions(models ?? [])}
              onChange={(id) =>
                void run(
                  () => stageApi.setStageModel(concert.roomId, id ? Number(id) : null),
                  id ? 'Stage model set' : 'No stage: listeners see none',
                )
              }
              testId="stage-model"
            />
          </label>
          <FilePicker
            compact
            label="Upload a 3D model"
            hint="glTF (.glb, .gltf) or FBX"
            accept=".glb,.gltf,.fbx"
            disabled={locked || busy}
            onFiles={(files) => files[0] && void upload(files[0])}
            data-testid="model-upload"
          />
        </div>

        {concert.accessories.length === 0 ? (
          <p className="muted">No accessories.</p>
        ) : (
          <ul className="track-list" aria-label="Accessories">
            {concert.accessories.map((a, index) => (
              <li key={`${index}-${a.socketName}-${a.modelUrl}`}>
                <span className="track-title">{a.socketName}</span>
                <span className="muted">{modelName(a.modelUrl) ?? <code className="accessory-url">{a.modelUrl}</code>}</span>
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => void run(() => concertsApi.removeAccessory(concert.roomId, index), 'Accessory removed')}
                  aria-label={`Remove the ${a.socketName} accessory`}
                >
                  Remove
                </Button>
              </li>
            ))}
          </ul>
        )}

        <div className="segmented" role="radiogroup" aria-label="Add accessories from">
          {(
            [
              ['preset', 'A saved preset'],
              ['model', 'A model from my library'],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="radio">
              <input type="radio" name="accessory-source" checked={source === value} onChange={() => setSource(value)} />
              {label}
            </label>
          ))}
        </div>

        {source === 'preset' ? (
          <div className="row">
            <ChoiceSelect
              label="Accessory preset"
              value={presetId}
              empty={presets.length === 0 ? 'No saved presets yet' : 'Choose a preset…'}
              options={presets.map((p) => ({ value: p.id, label: `${p.preset_name}${p.is_public ? ' (shared)' : ''}` }))}
              onChange={setPresetId}
              testId="accessory-preset"
            />
            <Button disabled={!presetAccessories} onClick={() => void usePreset()} data-testid="use-preset">
              Dress with this preset
            </Button>
          </div>
        ) : (
          <AccessoryForm models={models ?? []} sockets={sockets} onChange={setCandidate} onAdd={() => void addCandidate()} />
        )}
      </fieldset>

      <div className="stack-tight">
        <h3 className="subheading">{preview ? 'Preview' : 'What listeners see'}</h3>
        {shown ? (
          <StageView stage={shown} label={`Stage preview: ${shown.model.name}`} onSockets={setSockets} />
        ) : (
          <p className="muted" data-testid="stage-none">
            No stage model: listeners see no stage. Choose one of your 3D models to show it with its accessories.
          </p>
        )}
      </div>

      <div className="row">
        <Input
          value={presetName}
          maxLength={100}
          placeholder="Preset name"
          aria-label="Preset name"
          onChange={(e) => setPresetName(e.target.value)}
        />
        <Button
          variant="secondary"
          disabled={busy || concert.accessories.length === 0 || !presetName.trim()}
          onClick={() => void savePreset()}
          data-testid="save-preset"
        >
          Save these accessories as a preset
        </Button>
      </div>
      {note && (
        <Alert tone={note.tone} data-testid="accessories-note">
          {note.text}
        </Alert>
      )}
    </Card>
  );
}
