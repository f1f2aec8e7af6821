import { useState, type FormEvent } from 'react';
import type { ConcertSnapshot } from '../../../../../src-shared/events';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Card, Field, Input } from '../../../components';
import { concertsApi } from '../api';

const AXES = [
  ['x', 'y', 'z'],
  ['pitch', 'yaw', 'roll'],
] as const;

const empty = { socketName: 'Head', modelUrl: '', x: '0', y: '0', z: '0', pitch: '0', yaw: '0', roll: '0' };

/** The avatar's attachments. The audience dresses the avatar when it joins, so changes wait for closed doors. */
export function AccessoriesCard({ concert }: { concert: ConcertSnapshot }) {
  const [form, setForm] = useState(empty);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const locked = concert.isOpen;
  const numbers = [...AXES[0], ...AXES[1]].map((k) => Number(form[k]));
  const valid = form.socketName.trim() !== '' && form.modelUrl.trim() !== '' && numbers.every(Number.isFinite);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const n = (k: keyof typeof form) => Number(form[k]);
    const ok = await run(() =>
      concertsApi.addAccessory(concert.roomId, {
        socketName: form.socketName.trim(),
        modelUrl: form.modelUrl.trim(),
        relativeLocation: { x: n('x'), y: n('y'), z: n('z') },
        relativeRotation: { pitch: n('pitch'), yaw: n('yaw'), roll: n('roll') },
      }),
    );
    if (ok) setForm(empty);
  };

  return (
    <Card
      title="Avatar accessories"
      description="Models attached to the performer’s skeleton sockets, sent to every listener’s stage."
      data-testid="concert-accessories"
    >
      {locked && (
        <Alert tone="info" data-testid="accessories-locked">
          The doors are open: listeners have already dressed the avatar, so accessories can only change while the concert is closed.
        </Alert>
      )}
      {concert.accessories.length === 0 ? (
        <p className="muted">No accessories.</p>
      ) : (
        <ul className="track-list" aria-label="Accessories">
          {concert.accessories.map((a, index) => (
            <li key={`${index}-${a.socketName}-${a.modelUrl}`}>
              <span className="track-title">{a.socketName}</span>
              <code className="accessory-url">{a.modelUrl}</code>
              <Button
                size="sm"
                variant="ghost"
                disabled={locked || busy}
                onClick={() => void run(() => concertsApi.removeAccessory(concert.roomId, index))}
                aria-label={`Remove the ${a.socketName} accessory`}
              >
                Remove
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form className="form" onSubmit={add} aria-label="Add an accessory" noValidate>
        <fieldset className="plain-fieldset" disabled={locked}>
          <div className="form-grid">
            <Field label="Socket" hint="A skeleton socket, e.g. Head or hand_r">
              {(control) => (
                <Input
                  {...control}
                  value={form.socketName}
                  maxLength={100}
                  onChange={(e) => setForm({ ...form, socketName: e.target.value })}
                />
              )}
            </Field>
            <Field label="Model URL">
              {(control) => (
                <Input
                  {...control}
                  value={form.modelUrl}
                  maxLength={2048}
                  onChange={(e) => setForm({ ...form, modelUrl: e.target.value })}
                />
              )}
            </Field>
          </div>
          <div className="axes">
            {AXES.flat().map((axis) => (
              <Field key={axis} label={axis[0]!.toUpperCase() + axis.slice(1)}>
                {(control) => (
                  <Input
                    {...control}
                    type="number"
                    step="any"
                    value={form[axis]}
                    onChange={(e) => setForm({ ...form, [axis]: e.target.value })}
                  />
                )}
              </Field>
            ))}
          </div>
        </fieldset>
        <div className="form-actions">
          <Button
            type="submit"
            disabled={locked || !valid}
            busy={busy}
            title={locked ? 'Close the doors to change accessories' : undefined}
          >
            Add accessory
          </Button>
          {error && <Alert tone="error">{error}</Alert>}
        </div>
      </form>
    </Card>
  );
}
