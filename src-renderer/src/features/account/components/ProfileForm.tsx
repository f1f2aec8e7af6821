import { useState, type FormEvent } from 'react';
import { Alert, Avatar, Button, Card, Field, Input } from '../../../components';
import type { Me } from '../../auth/api';
import type { ProfilePatch } from '../api';
import { useAccount } from '../store';

interface Draft {
  name: string;
  age: string;
  phone: string;
  avatarUrl: string;
}

const draftOf = (user: Me): Draft => ({
  name: user.name,
  age: user.age === null ? '' : String(user.age),
  phone: user.phone_number ?? '',
  avatarUrl: user.avatar_url ?? '',
});

const orNull = (value: string) => (value.trim() === '' ? null : value.trim());

/** What changed between the saved profile and the draft, or the field errors that stop saving. */
function diff(user: Me, draft: Draft): { patch: ProfilePatch; errors: Partial<Record<keyof Draft, string>> } {
  const patch: ProfilePatch = {};
  const errors: Partial<Record<keyof Draft, string>> = {};
  const name = draft.name.trim();
  if (!name) errors.name = 'Your name cannot be empty.';
  else if (name !== user.name) patch.name = name;
  const age = draft.age.trim() === '' ? null : Number(draft.age);
  if (age !== null && (!Number.isInteger(age) || age < 0 || age > 150)) errors.age = 'Age is a whole number from 0 to 150.';
  else if (age !== user.age) patch.age = age;
  const phone = orNull(draft.phone);
  if (phone !== null && !/^[0-9+()\- ]*$/.test(phone)) errors.phone = 'Use digits, spaces and + ( ) - only.';
  else if (phone !== user.phone_number) patch.phone_number = phone;
  if (orNull(draft.avatarUrl) !== user.avatar_url) patch.avatar_url = orNull(draft.avatarUrl);
  return { patch, errors };
}

const joined = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });

export function ProfileForm({ user }: { user: Me }) {
  const { save, saveProfile, reset } = useAccount();
  const [draft, setDraft] = useState<Draft>(() => draftOf(user));
  const [showErrors, setShowErrors] = useState(false);
  const { patch, errors } = diff(user, draft);
  const changed = Object.keys(patch).length > 0;
  // An invalid edit is still an edit: Save stays enabled so pressing it explains what is wrong.
  const edited = changed || Object.keys(errors).length > 0;

  const edit = (field: keyof Draft) => (e: { target: { value: string } }) => {
    setDraft((d) => ({ ...d, [field]: e.target.value }));
    if (save.kind !== 'busy') reset('save');
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setShowErrors(true);
    if (Object.keys(errors).length === 0 && changed) void saveProfile(patch);
  };

  const shown = (field: keyof Draft) => (showErrors ? errors[field] : undefined);

  return (
    <Card title="Profile">
      <div className="profile-summary">
        <Avatar name={user.name} url={user.avatar_url} size={56} />
        <div>
          <p className="profile-name" data-testid="account-name">
            {user.name}
          </p>
          <p className="muted">
            {user.email ?? user.user_id} · {user.tier} plan · member since {joined.format(new Date(user.created_at))}
          </p>
        </div>
      </div>
      <form className="form form-grid" onSubmit={submit} noValidate aria-label="Profile" data-testid="profile-form">
        <Field label="Name" error={shown('name')}>
          {(control) => <Input {...control} autoComplete="name" value={draft.name} onChange={edit('name')} />}
        </Field>
        <Field label="Age" hint="Optional." error={shown('age')}>
          {(control) => <Input {...control} type="number" inputMode="numeric" min={0} max={150} value={draft.age} onChange={edit('age')} />}
        </Field>
        <Field label="Phone number" hint="Optional." error={shown('phone')}>
          {(control) => <Input {...control} type="tel" autoComplete="tel" value={draft.phone} onChange={edit('phone')} />}
        </Field>
        <Field label="Avatar URL" hint="An image on this server or a data: URL.">
          {(control) => <Input {...control} type="url" value={draft.avatarUrl} onChange={edit('avatarUrl')} />}
        </Field>
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={save.kind === 'busy'} disabled={!edited} data-testid="profile-save">
            Save changes
          </Button>
          {save.kind === 'failed' && <Alert tone="error">{save.message}</Alert>}
          {save.kind === 'done' && !edited && (
            <Alert tone="success" data-testid="profile-saved">
              Profile saved.
            </Alert>
          )}
        </div>
      </form>
    </Card>
  );
}
