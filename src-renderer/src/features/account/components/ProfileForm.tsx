import { useState, type FormEvent } from 'react';
import { Alert, Avatar, Button, Card, TextField } from '../../../components';
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

/** The longest avatar the server keeps (its avatar_url limit). */
const AVATAR_MAX = 2048;

/**
 * Why an avatar address cannot show, or null: the app loads pictures only from this server or
 * data: URLs (its Content-Security-Policy), so another site's picture would be blocked.
 */
export function avatarProblem(value: string): string | null {
  const url = value.trim();
  if (url === '') return null;
  if (/^data:image\/(png|jpeg|gif|webp);base64,/i.test(url)) return null;
  if (url.startsWith('/') && !url.startsWith('//')) return null;
  try {
    if (new URL(url).origin === window.location.origin) return null;
  } catch {
    return 'Not a picture address. Choose a picture from this computer instead.';
  }
  return 'Pictures from other sites cannot be shown here: Atelier loads nothing from the internet. Choose a picture from this computer instead.';
}

/** A picture file as a small square JPEG data: URL that fits the server's limit. */
async function avatarFromFile(file: File): Promise<string> {
  const bitmap = await createImageBitmap(file).catch(() => {
    throw new Error('That file is not a picture this browser can read.');
  });
  const side = 48;
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  const crop = Math.min(bitmap.width, bitmap.height);
  canvas.getContext('2d')!.drawImage(bitmap, (bitmap.width - crop) / 2, (bitmap.height - crop) / 2, crop, crop, 0, 0, side, side);
  for (let quality = 0.9; quality > 0.2; quality -= 0.1) {
    const url = canvas.toDataURL('image/jpeg', quality);
    if (url.length <= AVATAR_MAX) return url;
  }
  throw new Error('That picture could not be made small enough.');
}

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
  const avatar = avatarProblem(draft.avatarUrl);
  if (avatar) errors.avatarUrl = avatar;
  else if (orNull(draft.avatarUrl) !== user.avatar_url) patch.avatar_url = orNull(draft.avatarUrl);
  return { patch, errors };
}

const joined = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });

export function ProfileForm({ user }: { user: Me }) {
  const { save, saveProfile, reset } = useAccount();
  const [draft, setDraft] = useState<Draft>(() => draftOf(user));
  const [showErrors, setShowErrors] = useState(false);
  const [pictureError, setPictureError] = useState<string | null>(null);
  const { patch, errors } = diff(user, draft);
  const changed = Object.keys(patch).length > 0;
  // An invalid edit is still an edit: Save stays enabled so pressing it explains what is wrong.
  const edited = changed || Object.keys(errors).length > 0;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setShowErrors(true);
    if (Object.keys(errors).length === 0 && changed) void saveProfile(patch);
  };

  // An address that cannot show is said at once: saving it would only give a blank picture.
  const shown = (field: keyof Draft) => (showErrors || field === 'avatarUrl' ? errors[field] : undefined);
  /** A field's value, its error once shown, and its edits (which clear the last save's outcome). */
  const bind = (field: keyof Draft) => ({
    value: draft[field],
    error: shown(field),
    onChange: (value: string) => {
      setDraft((d) => ({ ...d, [field]: value }));
      if (save.kind !== 'busy') reset('save');
    },
  });

  const choosePicture = async (file: File | undefined) => {
    setPictureError(null);
    if (!file) return;
    try {
      const url = await avatarFromFile(file);
      setDraft((d) => ({ ...d, avatarUrl: url }));
    } catch (err) {
      setPictureError((err as Error).message);
    }
  };

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
        <TextField label="Name" autoComplete="name" {...bind('name')} />
        <TextField label="Age" hint="Optional." type="number" inputMode="numeric" min={0} max={150} {...bind('age')} />
        <TextField label="Phone number" hint="Optional." type="tel" autoComplete="tel" {...bind('phone')} />
        <TextField
          label="Avatar URL"
          hint="A picture on this server, or choose one from this computer."
          type="url"
          {...bind('avatarUrl')}
        />
        <div className="field">
          <label className="btn btn-secondary btn-sm" style={{ position: 'relative', alignSelf: 'start' }}>
            Choose a picture…
            <input
              type="file"
              accept="image/png,image/jpeg,image/gif,image/webp"
              style={{ position: 'absolute', width: 1, height: 1, opacity: 0 }}
              data-testid="avatar-file"
              onChange={(e) => void choosePicture(e.target.files?.[0])}
            />
          </label>
          {pictureError && <Alert tone="error">{pictureError}</Alert>}
        </div>
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
