import { useEffect, useState, type FormEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { Link } from '../../../app/router';
import { Alert, Button, Card, Spinner, TextField, useAction } from '../../../components';
import { formatBytes } from '../../models/api';
import { dataApi, type FfmpegBuild, type FfmpegSetting, type Retention, type StorageView } from '../data-api';

const SOURCES: Record<FfmpegBuild['source'], string> = {
  settings: 'chosen here',
  env: 'ATELIER_FFMPEG_PATH',
  bundled: 'shipped with the installer',
  npm: 'shipped with Atelier',
  system: 'installed on this computer',
};

/** The data folder's size by area and the free disk beside it. */
export function StorageCard() {
  const [view, setView] = useState<StorageView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    dataApi.storage().then(setView, (err: unknown) => setError(errorMessage(err)));
  }, []);
  return (
    <Card title="Storage" description="What the data folder holds, by area." data-testid="storage">
      {error && <Alert tone="error">{error}</Alert>}
      {!view && !error && <Spinner label="Measuring the data folder" />}
      {view && (
        <>
          <p className="small">
            <code>{view.data_dir}</code> · {formatBytes(view.total_bytes)} in all · {formatBytes(view.free_bytes)} free on that disk
          </p>
          <dl className="facts" data-testid="storage-areas">
            {view.areas.map((a) => (
              <div key={a.area} style={{ display: 'contents' }} data-area={a.area}>
                <dt>{a.label}</dt>
                <dd>{formatBytes(a.bytes)}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </Card>
  );
}

/** How long finished jobs are kept; usage figures stay whatever is pruned. */
export function RetentionCard() {
  const [retention, setRetention] = useState<Retention | null>(null);
  const [days, setDays] = useState('');
  const { busy, error, setError, note, setNote, run } = useAction();
  useEffect(() => {
    dataApi.retention().then(
      (r) => {
        setRetention(r);
        setDays(String(r.days));
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  }, [setError]);
  const save = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const r = await dataApi.setRetention(Number(days));
      setRetention(r);
      setNote(r.pruned ? `Saved; ${r.pruned} finished job${r.pruned === 1 ? '' : 's'} removed.` : 'Saved.');
    });
  };
  return (
    <Card
      title="Job history"
      description="Finished jobs older than this are removed. Credits and usage figures are kept separately and do not change."
      data-testid="retention"
    >
      {retention && (
        <form className="row" onSubmit={save}>
          <TextField
            label="Keep finished jobs for (days)"
            hint="0 keeps them forever."
            type="number"
            min={0}
            max={36500}
            value={days}
            onChange={setDays}
          />
          <Button type="submit" busy={busy} disabled={days === '' || Number(days) === retention.days}>
            Save
          </Button>
        </form>
      )}
      {error && <Alert tone="error">{error}</Alert>}
      {note && <Alert tone="success">{note}</Alert>}
    </Card>
  );
}

/** Which ffmpeg runs and its version, with an override checked by running it. */
export function FfmpegCard() {
  const [setting, setSetting] = useState<FfmpegSetting | null>(null);
  const [chosen, setChosen] = useState('');
  const { busy, error, setError, run } = useAction();
  useEffect(() => {
    dataApi.ffmpeg().then(
      (s) => {
        setSetting(s);
        setChosen(s.override ?? '');
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  }, [setError]);
  const apply = (path: string | null) =>
    run(async () => {
      const s = await dataApi.setFfmpeg(path);
      setSetting(s);
      setChosen(s.override ?? '');
    });
  const active = setting?.active;
  return (
    <Card title="ffmpeg" description="Records, mixes and renders audio and video." data-testid="ffmpeg">
      {setting && (
        <p className="small" data-testid="ffmpeg-active">
          {active ? (
            <>
              Using ffmpeg {active.version} ({SOURCES[active.source]}) at <code>{active.path}</code>
              {active.missing.length > 0 && ` · lacks ${active.missing.join(', ')}`}
            </>
          ) : (
            'No ffmpeg found: recording, mixing and video need one. Choose its path below.'
          )}
        </p>
      )}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void apply(chosen.trim() || null);
        }}
      >
        <TextField
          label="Use this ffmpeg instead"
          hint="The full path of an ffmpeg program; it is run once to check it."
          value={chosen}
          placeholder="/usr/local/bin/ffmpeg"
          onChange={setChosen}
        />
        <Button type="submit" busy={busy} disabled={!chosen.trim() || chosen.trim() === setting?.override}>
          Use it
        </Button>
        {setting?.override && (
          <Button variant="ghost" busy={busy} onClick={() => void apply(null)}>
            Go back to automatic
          </Button>
        )}
      </form>
      {error && <Alert tone="error">{error}</Alert>}
    </Card>
  );
}

/** A bug-report summary on the clipboard: versions, providers, ffmpeg, disk, last log lines; no personal data. */
export function DiagnosticsCard() {
  const [text, setText] = useState<string | null>(null);
  const { busy, error, note, setNote, run } = useAction();
  const copy = () =>
    run(async () => {
      const got = (await dataApi.diagnostics()).text;
      setText(got);
      try {
        await navigator.clipboard.writeText(got);
        setNote('Copied. Paste it into your bug report.');
      } catch {
        setNote('Your browser did not allow copying; select the text below instead.');
      }
    });
  return (
    <Card
      title="Help and diagnostics"
      description="Versions, graphics, ffmpeg, disk and the last log lines, without e-mail addresses, passwords or keys."
      data-testid="diagnostics"
    >
      <div className="row">
        <Button busy={busy} onClick={() => void copy()} data-testid="copy-diagnostics">
          Copy diagnostics
        </Button>
        <Link to="/welcome">Open the set-up guide</Link>
      </div>
      {error && <Alert tone="error">{error}</Alert>}
      {note && <Alert tone="success">{note}</Alert>}
      {text && (
        <textarea
          className="diagnostics-text"
          style={{ width: '100%', fontFamily: 'var(--font-mono)', fontSize: 'var(--text-sm)' }}
          readOnly
          value={text}
          rows={10}
          aria-label="Diagnostics"
          data-testid="diagnostics-text"
        />
      )}
    </Card>
  );
}

/** Move the data folder to another disk, and the library in and out as one archive. */
export function LibraryCard() {
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState<'move' | 'export' | 'import' | null>(null);
  const [message, setMessage] = useState<{ tone: 'success' | 'error' | 'info'; text: string } | null>(null);
  const [pending, setPending] = useState(false);
  useEffect(() => {
    dataApi.importPending().then(
      (p) => setPending(p.pending),
      () => undefined,
    );
  }, []);

  const run = async (what: 'move' | 'export' | 'import', action: () => Promise<string>) => {
    setBusy(what);
    setMessage(null);
    try {
      setMessage({ tone: 'success', text: await action() });
    } catch (err) {
      setMessage({ tone: 'error', text: errorMessage(err) });
    } finally {
      setBusy(null);
    }
  };
  const move = (event: FormEvent) => {
    event.preventDefault();
    void run('move', async () => {
      const moved = await dataApi.move(target.trim());
      return `Copied ${formatBytes(moved.copied_bytes)} to ${moved.to}. Restart Atelier to use it; the old folder stays until you delete it.`;
    });
  };
  const exportIt = () =>
    void run('export', async () => {
      const blob = await dataApi.exportLibrary();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `atelier-library-${new Date().toISOString().slice(0, 10)}.tar.gz`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      return `Exported ${formatBytes(blob.size)}.`;
    });
  const importIt = (file: File | undefined) => {
    if (!file) return;
    void run('import', async () => {
      const done = await dataApi.importLibrary(file);
      setPending(true);
      return `Checked ${done.files} file${done.files === 1 ? '' : 's'}. Restart Atelier to open the imported library; this one is kept aside in the data folder.`;
    });
  };

  return (
    <Card title="Library" description="Your work in one archive, or the whole data folder on another disk." data-testid="library">
      {pending && <Alert tone="info">An imported library opens at the next start of Atelier.</Alert>}
      <div className="row">
        <Button busy={busy === 'export'} onClick={exportIt} data-testid="library-export">
          Export library
        </Button>
        <label className="btn btn-secondary">
          Import library…
          <input
            type="file"
            accept=".tar.gz,.tgz,application/gzip"
            hidden
            onChange={(e) => importIt(e.target.files?.[0])}
            data-testid="library-import"
          />
        </label>
      </div>
      <p className="muted small">The archive holds the database and every file; models download again from the catalog.</p>
      <form className="row" onSubmit={move}>
        <TextField
          label="Move the data folder to"
          hint="An empty or new folder on another disk; everything is copied first."
          value={target}
          placeholder="/Volumes/External/Atelier"
          onChange={setTarget}
        />
        <Button type="submit" busy={busy === 'move'} disabled={!target.trim()} data-testid="move-data-folder">
          Copy and switch
        </Button>
      </form>
      {message && <Alert tone={message.tone}>{message.text}</Alert>}
    </Card>
  );
}
