import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Card, Field, Input } from '../../../components';
import type { ModelType } from '../api';
import { useModels } from '../store';

/** Copies a model folder (or an upscaler's .onnx) the server can read: the server is this computer. */
function FolderForm() {
  const installFolder = useModels((s) => s.installFolder);
  const [path, setPath] = useState('');
  const [id, setId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await installFolder(path.trim(), id.trim() || undefined);
      setPath('');
      setId('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title="Install from a folder"
      description="A Stable Diffusion model exported to ONNX (model_index.json, unet/, text_encoder/, vae_decoder/…), or an upscaler's .onnx file. It is checked, then copied into Atelier's data folder."
      data-testid="install-folder"
    >
      <form className="form" onSubmit={(e) => void submit(e)}>
        <div className="form-grid">
          <Field label="Folder path" hint="An absolute path on this computer, or ~/…">
            {(c) => (
              <Input
                {...c}
                value={path}
                onChange={(e) => setPath(e.target.value)}
                placeholder="/home/me/models/stable-diffusion-v1-5-onnx"
                required
                disabled={busy}
              />
            )}
          </Field>
          <Field label="Model id" hint="Optional; the folder's name otherwise.">
            {(c) => <Input {...c} value={id} onChange={(e) => setId(e.target.value)} maxLength={100} disabled={busy} />}
          </Field>
        </div>
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy} disabled={!path.trim()} data-testid="install-folder-submit">
            Install
          </Button>
          {error && <Alert tone="error">{error}</Alert>}
        </div>
      </form>
    </Card>
  );
}

/** Queues a download: a manifest URL, or an upscaler's .onnx URL. */
function UrlForm() {
  const installUrl = useModels((s) => s.installUrl);
  const [url, setUrl] = useState('');
  const [id, setId] = useState('');
  const [type, setType] = useState<ModelType>('checkpoint');
  const [sha256, setSha256] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const shaOk = sha256.trim() === '' || /^[0-9a-fA-F]{64}$/.test(sha256.trim());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await installUrl({ url: url.trim(), id: id.trim(), type, ...(sha256.trim() ? { sha256: sha256.trim() } : {}) });
      setUrl('');
      setId('');
      setSha256('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title="Install from a URL"
      description="A model manifest (JSON listing the files, their sizes and sha256) or an upscaler's .onnx file. The download continues in the background; a cancelled or interrupted one resumes where it stopped when you install the same model again."
      data-testid="install-url"
    >
      <form className="form" onSubmit={(e) => void submit(e)}>
        <div className="form-grid">
          <Field label="URL">
            {(c) => (
              <Input
                {...c}
                type="url"
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                placeholder="https://example.com/models/my-model/manifest.json"
                required
                disabled={busy}
              />
            )}
          </Field>
          <Field label="Model id" hint="Letters, digits, “.”, “_” and “-”; the name generation requests use.">
            {(c) => (
              <Input
                {...c}
                value={id}
                onChange={(e) => setId(e.target.value)}
                maxLength={100}
                pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
                required
                disabled={busy}
              />
            )}
          </Field>
          <Field label="Type">
            {(c) => (
              <select {...c} className="input" value={type} onChange={(e) => setType(e.target.value as ModelType)} disabled={busy}>
                <option value="checkpoint">Image model (checkpoint)</option>
                <option value="upscaler">Upscaler</option>
                <option value="vae">VAE (decoder exported on its own)</option>
              </select>
            )}
          </Field>
          <Field
            label="SHA-256 (optional)"
            hint="Of the .onnx file, or of the manifest."
            error={shaOk ? null : 'A SHA-256 is 64 hexadecimal digits'}
          >
            {(c) => <Input {...c} value={sha256} onChange={(e) => setSha256(e.target.value)} spellCheck={false} disabled={busy} />}
          </Field>
        </div>
        <div className="form-actions">
          <Button
            type="submit"
            variant="primary"
            busy={busy}
            disabled={!url.trim() || !id.trim() || !shaOk}
            data-testid="install-url-submit"
          >
            Download and install
          </Button>
          {error && <Alert tone="error">{error}</Alert>}
        </div>
      </form>
    </Card>
  );
}

export function InstallForms() {
  return (
    <div className="install-forms">
      <FolderForm />
      <UrlForm />
    </div>
  );
}
