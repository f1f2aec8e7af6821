import { useEffect, useState, type FormEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { Link } from '../../../app/router';
import { Alert, Button, Card, Field, Input, Spinner } from '../../../components';
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
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    dataApi.retention().then(
      (r) => {
        setRetention(r);
        setDays(String(r.days));
      },
      (err: unknown) => setMessage({ tone: 'error', text: errorMessage(err) }),
    );
  }, []);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const r = await dataApi.setRetention(Number(days));
      setRetention(r);
      setMessage({ tone: 'success', text: r.pruned ? `Saved; ${r.pruned} finished job${r.pruned === 1 ? '' : 's'} removed.` : 'Saved.' });
    } catch (err) {
      setMessage({ tone: 'error', text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card
      title="Job history"
      description="Finished jobs older than this are removed. Credits and usage figures are kept separately and do not change."
      data-testid="retention"
    >
      {retention && (
        <form className="row" onSubmit={(e) => void save(e)}>
          <Field label="Keep finished jobs for (days)" hint="0 keeps them forever.">
            {(control) => <Input {...control} type="number" min={0} max={36500} value={days} onChange={(e) => setDays(e.target.value)} />}
          </Field>
          <Button type="submit" busy={busy} disabled={days === '' || Number(days) === retention.days}>
            Save
          </Button>
        </form>
      )}
      {message && <Alert tone={message.tone}>{message.text}</Alert>}
    </Card>
  );
}

/** Which ffmpeg runs and its version, with an override checked by running it. */
export function FfmpegCard() {
  const [setting, setSetting] = useState<FfmpegSetting | null>(null);
  const [chosen, setChosen] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    dataApi.ffmpeg().then(
      (s) => {
        setSetting(s);
        setChosen(s.override ?? '');
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  }, []);
  const apply = async (path: string | null) => {
    setBusy(true);
    setError(null);
    try {
      const s = await dataApi.setFfmpeg(path);
      setSetting(s);
      setChosen(s.override ?? '');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
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
        <Field label="Use this ffmpeg instead" hint="The full path of an ffmpeg program; it is run once to check it.">
          {(control) => (
            <Input {...control} value={chosen} placeholder="/usr/local/bin/ffmpeg" onChange={(e) => setChosen(e.target.value)} />
          )}
        </Field>
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
  const [status, setStatus] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const copy = async () => {
    setBusy(true);
    setStatus(null);
    try {
      const got = (await dataApi.diagnostics()).text;
      setText(got);
      try {
        await navigator.clipboard.writeText(got);
        setStatus({ tone: 'success', text: 'Copied. Paste it into your bug report.' });
      } catch {
        setStatus({ tone: 'success', text: 'Your browser did not allow copying; select the text below instead.' });
      }
    } catch (err) {
      setStatus({ tone: 'error', text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };
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
      {status && <Alert tone={status.tone}>{status.text}</Alert>}
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
