import { useState, type FormEvent } from 'react';
import { Card, SelectField, SubmitRow, TextField, useAction } from '../../../components';
import type { ModelType } from '../api';
import { useModels } from '../store';

/** Copies a model folder (or an upscaler's .onnx) the server can read: the server is this computer. */
function FolderForm() {
  const installFolder = useModels((s) => s.installFolder);
  const [path, setPath] = useState('');
  const [id, setId] = useState('');
  const { busy, error, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await installFolder(path.trim(), id.trim() || undefined);
      setPath('');
      setId('');
    });
  };

  return (
    <Card
      title="Install from a folder"
      description="A Stable Diffusion model exported to ONNX (model_index.json, unet/, text_encoder/, vae_decoder/…), or an upscaler's .onnx file. It is checked, then copied into Atelier's data folder."
      data-testid="install-folder"
    >
      <form className="form" onSubmit={submit}>
        <div className="form-grid">
          <TextField
            label="Folder path"
            hint="An absolute path on this computer, or ~/…"
            value={path}
            onChange={setPath}
            placeholder="/home/me/models/stable-diffusion-v1-5-onnx"
            required
            disabled={busy}
          />
          <TextField
            label="Model id"
            hint="Optional; the folder's name otherwise."
            value={id}
            onChange={setId}
            maxLength={100}
            disabled={busy}
          />
        </div>
        <SubmitRow busy={busy} disabled={!path.trim()} error={error} data-testid="install-folder-submit">
          Install
        </SubmitRow>
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
  const { busy, error, run } = useAction();
  const shaOk = sha256.trim() === '' || /^[0-9a-fA-F]{64}$/.test(sha256.trim());

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await installUrl({ url: url.trim(), id: id.trim(), type, ...(sha256.trim() ? { sha256: sha256.trim() } : {}) });
      setUrl('');
      setId('');
      setSha256('');
    });
  };

  return (
    <Card
      title="Install from a URL"
      description="A model manifest (JSON listing the files, their sizes and sha256) or an upscaler's .onnx file. The download continues in the background; a cancelled or interrupted one resumes where it stopped when you install the same model again."
      data-testid="install-url"
    >
      <form className="form" onSubmit={submit}>
        <div className="form-grid">
          <TextField
            label="URL"
            type="url"
            value={url}
            onChange={setUrl}
            placeholder="https://example.com/models/my-model/manifest.json"
            required
            disabled={busy}
          />
          <TextField
            label="Model id"
            hint="Letters, digits, “.”, “_” and “-”; the name generation requests use."
            value={id}
            onChange={setId}
            maxLength={100}
            pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
            required
            disabled={busy}
          />
          <SelectField label="Type" value={type} onChange={(value) => setType(value as ModelType)} disabled={busy}>
            <option value="checkpoint">Image model (checkpoint)</option>
            <option value="upscaler">Upscaler</option>
            <option value="vae">VAE (decoder exported on its own)</option>
          </SelectField>
          <TextField
            label="SHA-256 (optional)"
            hint="Of the .onnx file, or of the manifest."
            error={shaOk ? null : 'A SHA-256 is 64 hexadecimal digits'}
            value={sha256}
            onChange={setSha256}
            spellCheck={false}
            disabled={busy}
          />
        </div>
        <SubmitRow busy={busy} disabled={!url.trim() || !id.trim() || !shaOk} error={error} data-testid="install-url-submit">
          Download and install
        </SubmitRow>
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
