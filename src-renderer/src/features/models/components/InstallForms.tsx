import { useState, type FormEvent, type ReactNode } from 'react';
import { Card, SelectField, SubmitRow, TextField, useAction } from '../../../components';
import type { ModelType } from '../api';
import { useModels } from '../store';

/** An install form: its fields (disabled while it runs), then the submit button with the server's answer. */
function InstallCard({
  title,
  description,
  testId,
  submitLabel,
  ready,
  install,
  children,
}: {
  title: string;
  description: string;
  testId: string;
  submitLabel: string;
  ready: boolean;
  install: () => Promise<void>;
  children: (busy: boolean) => ReactNode;
}) {
  const { busy, error, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(install);
  };
  return (
    <Card title={title} description={description} data-testid={testId}>
      <form className="form" onSubmit={submit}>
        <div className="form-grid">{children(busy)}</div>
        <SubmitRow busy={busy} disabled={!ready} error={error} data-testid={`${testId}-submit`}>
          {submitLabel}
        </SubmitRow>
      </form>
    </Card>
  );
}

/** Copies a model folder (or an upscaler's .onnx) the server can read: the server is this computer. */
function FolderForm() {
  const installFolder = useModels((s) => s.installFolder);
  const [path, setPath] = useState('');
  const [id, setId] = useState('');

  return (
    <InstallCard
      title="Install from a folder"
      description="A Stable Diffusion model exported to ONNX (model_index.json, unet/, text_encoder/, vae_decoder/…), or an upscaler's .onnx file. It is checked, then copied into Atelier's data folder."
      testId="install-folder"
      submitLabel="Install"
      ready={!!path.trim()}
      install={async () => {
        await installFolder(path.trim(), id.trim() || undefined);
        setPath('');
        setId('');
      }}
    >
      {(busy) => (
        <>
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
        </>
      )}
    </InstallCard>
  );
}

/** Queues a download: a manifest URL, or an upscaler's .onnx URL. */
function UrlForm() {
  const installUrl = useModels((s) => s.installUrl);
  const [url, setUrl] = useState('');
  const [id, setId] = useState('');
  const [type, setType] = useState<ModelType>('checkpoint');
  const [sha256, setSha256] = useState('');
  const shaOk = sha256.trim() === '' || /^[0-9a-fA-F]{64}$/.test(sha256.trim());

  return (
    <InstallCard
      title="Install from a URL"
      description="A model manifest (JSON listing the files, their sizes and sha256) or an upscaler's .onnx file. The download continues in the background; a cancelled or interrupted one resumes where it stopped when you install the same model again."
      testId="install-url"
      submitLabel="Download and install"
      ready={!!url.trim() && !!id.trim() && shaOk}
      install={async () => {
        await installUrl({ url: url.trim(), id: id.trim(), type, ...(sha256.trim() ? { sha256: sha256.trim() } : {}) });
        setUrl('');
        setId('');
        setSha256('');
      }}
    >
      {(busy) => (
        <>
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
          <SelectField
            label="Type"
            value={type}
            onChange={(value) => setType(value as ModelType)}
            disabled={busy}
            options={{ checkpoint: 'Image model (checkpoint)', upscaler: 'Upscaler', vae: 'VAE (decoder exported on its own)' }}
          />
          <TextField
            label="SHA-256 (optional)"
            hint="Of the .onnx file, or of the manifest."
            error={shaOk ? null : 'A SHA-256 is 64 hexadecimal digits'}
            value={sha256}
            onChange={setSha256}
            spellCheck={false}
            disabled={busy}
          />
        </>
      )}
    </InstallCard>
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
