import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../../api/client';
import { Alert, Button, Card, TextField, useAction } from '../../../components';

type Provider = 'google' | 'discord';

interface ProviderView {
  client_id: string | null;
  /** The server never sends the secret back, only whether it holds one. */
  has_secret: boolean;
  configured: boolean;
  redirect_uris: string[];
}

interface SignInSettings {
  google: ProviderView;
  discord: ProviderView;
  return_origins: string[];
  redirect_via: 'loopback' | 'lan';
  lan_address: string | null;
  lan_sharing: boolean;
}

interface ProviderPatch {
  client_id?: string | null;
  client_secret?: string | null;
}

const signInApi = {
  get: () => api<SignInSettings>('/system/settings/sign-in'),
  put: (patch: Partial<Record<Provider, ProviderPatch>> & { return_origins?: string[]; redirect_via?: 'loopback' | 'lan' }) =>
    api<SignInSettings>('/system/settings/sign-in', { method: 'PUT', body: patch }),
};

const LABEL: Record<Provider, { name: string; kind: string }> = {
  google: { name: 'Google', kind: 'a "Desktop app" OAuth client from Google Cloud Console' },
  discord: { name: 'Discord', kind: 'an application from the Discord Developer Portal (OAuth2)' },
};

function ProviderForm({ provider, view, onSaved }: { provider: Provider; view: ProviderView; onSaved: (s: SignInSettings) => void }) {
  const [clientId, setClientId] = useState(view.client_id ?? '');
  const [secret, setSecret] = useState('');
  const { busy, error, run } = useAction();
  const { name, kind } = LABEL[provider];

  const save = (patch: ProviderPatch) =>
    void run(async () => {
      const next = await signInApi.put({ [provider]: patch });
      setSecret('');
      onSaved(next);
    });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save({ client_id: clientId.trim() || null, ...(secret.trim() ? { client_secret: secret.trim() } : {}) });
  };

  return (
    <form className="stack" onSubmit={submit} aria-label={`${name} sign-in`} data-testid={`sign-in-${provider}`}>
      <h3>
        {name} · {view.configured ? 'ready' : 'not set up'}
      </h3>
      {error && <Alert tone="error">{error}</Alert>}
      <TextField label={`${name} client id`} hint={`From ${kind}.`} value={clientId} autoComplete="off" onChange={setClientId} />
      <TextField
        label={`${name} client secret`}
        hint={view.has_secret ? 'A secret is stored; it is never shown. Type a new one to replace it.' : 'Stored on this computer only.'}
        type="password"
        value={secret}
        autoComplete="new-password"
        placeholder={view.has_secret ? '••••••••' : ''}
        onChange={setSecret}
      />
      {view.redirect_uris.length > 0 && (
        <div>
          <p className="muted">Redirect URIs to register with {name}:</p>
          <ul className="address-list" aria-label={`${name} redirect URIs`}>
            {view.redirect_uris.map((uri) => (
              <li key={uri}>
                <code>{uri}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="row">
        <Button type="submit" busy={busy}>
          Save {name}
        </Button>
        {view.has_secret && (
          <Button type="button" variant="ghost" busy={busy} onClick={() => save({ client_secret: null })}>
            Forget the secret
          </Button>
        )}
      </div>
    </form>
  );
}

/** Google and Discord sign-in: the owner's own OAuth clients, and where the providers send the browser back. */
export function SignInCard() {
  const [settings, setSettings] = useState<SignInSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    signInApi.get().then(setSettings, (err: Error) => setError(err.message));
  }, []);
  const choose = (redirect_via: 'loopback' | 'lan') =>
    signInApi.put({ redirect_via }).then(setSettings, (err: Error) => setError(err.message));

  return (
    <Card
      title="Sign in with Google or Discord"
      description="Use your own OAuth client: Atelier signs people in through the system browser and keeps the secret on this computer."
      data-testid="sign-in-settings"
    >
      {error && <Alert tone="error">{error}</Alert>}
      {settings && (
        <div className="stack">
          <fieldset className="stack">
            <legend>Where the provider sends the browser back</legend>
            <label>
              <input
                type="radio"
                name="redirect-via"
                checked={settings.redirect_via === 'loopback'}
                onChange={() => void choose('loopback')}
              />{' '}
              This computer (127.0.0.1) — what a Google desktop client accepts
            </label>
            <label>
              <input
                type="radio"
                name="redirect-via"
                checked={settings.redirect_via === 'lan'}
                disabled={!settings.lan_address && settings.redirect_via !== 'lan'}
                onChange={() => void choose('lan')}
              />{' '}
              The LAN address{settings.lan_address ? ` (${settings.lan_address})` : ' (none right now)'} — to sign in from other devices
            </label>
          </fieldset>
          {settings.redirect_via === 'lan' && !settings.lan_sharing && (
            <Alert tone="error">
              Turn on LAN sharing above: until then nothing answers on the LAN address, and sign-in cannot come back.
            </Alert>
          )}
          {(['google', 'discord'] as const).map((p) => (
            <ProviderForm key={`${p}-${settings[p].client_id ?? ''}`} provider={p} view={settings[p]} onSaved={setSettings} />
          ))}
        </div>
      )}
    </Card>
  );
}
