import { useEffect, useId, useState } from 'react';
import type { ConcertAccessory } from '../../../../../src-shared/events';
import { Button, Field, Input } from '../../../components';
import { libraryModelUrl, type LibraryModel } from '../api';
import { ChoiceSelect } from './ChoiceSelect';

export const modelOptions = (models: LibraryModel[]) => models.map((m) => ({ value: m.id, label: m.model_name }));

const AXES = ['x', 'y', 'z', 'pitch', 'yaw', 'roll'] as const;
type Axis = (typeof AXES)[number];

const zero = Object.fromEntries(AXES.map((a) => [a, '0'])) as Record<Axis, string>;

/** The accessory these fields describe, or null while one is missing or not a number. */
function accessoryOf(socketName: string, modelUrl: string, axes: Record<Axis, string>): ConcertAccessory | null {
  const n = (axis: Axis) => Number(axes[axis]);
  if (!socketName.trim() || !modelUrl.trim() || !AXES.every((a) => axes[a].trim() !== '' && Number.isFinite(n(a)))) return null;
  return {
    socketName: socketName.trim(),
    modelUrl: modelUrl.trim(),
    relativeLocation: { x: n('x'), y: n('y'), z: n('z') },
    relativeRotation: { pitch: n('pitch'), yaw: n('yaw'), roll: n('roll') },
  };
}

/**
 * One accessory from the 3D library: a model and the socket it hangs on (the stage model's own node
 * names are offered). Offsets, rotation and a model URL outside the library are under "Advanced".
 */
export function AccessoryForm({
  models,
  sockets,
  onChange,
  onAdd,
}: {
  models: LibraryModel[];
  sockets: string[];
  onChange: (accessory: ConcertAccessory | null) => void;
  onAdd: () => void;
}) {
  const socketList = useId();
  const [modelId, setModelId] = useState('');
  const [socketName, setSocketName] = useState('Head');
  const [axes, setAxes] = useState(zero);
  const [url, setUrl] = useState('');
  const modelUrl = url.trim() || (modelId ? libraryModelUrl(Number(modelId)) : '');
  const accessory = accessoryOf(socketName, modelUrl, axes);
  const key = JSON.stringify(accessory);

  useEffect(() => {
    onChange(accessory);
    // key stands for accessory (a new object each render).
  }, [key, onChange]);
  // Nothing is being added once this form goes.
  useEffect(() => () => onChange(null), [onChange]);

  return (
    <div className="stack-tight" data-testid="accessory-form">
      <div className="row">
        <ChoiceSelect
          label="Accessory model"
          value={modelId}
          empty={models.length === 0 ? 'Upload a model first' : 'Choose a model…'}
          options={modelOptions(models)}
          onChange={setModelId}
          testId="accessory-model"
        />
        <Input
          value={socketName}
          list={socketList}
          maxLength={100}
          aria-label="Socket"
          title="The node of the stage model it hangs on"
          onChange={(e) => setSocketName(e.target.value)}
          data-testid="accessory-socket"
        />
        <datalist id={socketList}>
          {sockets.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <Button disabled={!accessory} onClick={onAdd} data-testid="add-accessory">
          Add accessory
        </Button>
      </div>
      <details className="advanced">
        <summary>Advanced: offset, rotation, a model URL</summary>
        <p className="muted">Centimetres and degrees from the socket, as the Unreal client reads them (X forward, Y right, Z up).</p>
        <div className="axes">
          {AXES.map((axis) => (
            <Field key={axis} label={axis[0]!.toUpperCase() + axis.slice(1)}>
              {(control) => (
                <Input
                  {...control}
                  type="number"
                  step="any"
                  value={axes[axis]}
                  onChange={(e) => setAxes({ ...axes, [axis]: e.target.value })}
                />
              )}
            </Field>
          ))}
        </div>
        <Field label="Model URL" hint="Instead of a library model; the web stage shows library models only">
          {(control) => <Input {...control} value={url} maxLength={2048} onChange={(e) => setUrl(e.target.value)} />}
        </Field>
      </details>
    </div>
  );
}
