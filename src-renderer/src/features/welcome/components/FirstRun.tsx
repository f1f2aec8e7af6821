import { useCallback, useEffect, useState } from 'react';
import { Link, navigate } from '../../../app/router';
import { Alert, Button, Card, Spinner, useAction } from '../../../components';
import { formatBytes } from '../../models/api';
import { catalogApi, type CatalogOverview, type MachineCheck, type StarterPack } from '../../models/catalog';
import { useCatalog } from '../../models/catalog-store';
import { CatalogEntryRow } from '../../models/components/CatalogEntryRow';
import { HOME } from '../../shell/areas';
import { PageHeader } from '../../shell/components/PageHeader';
import '../../models/models.css';
import { createSampleProject } from '../sample';
import '../welcome.css';

const PROVIDER_NAMES: Record<string, string> = {
  cuda: 'NVIDIA GPU (CUDA)',
  dml: 'GPU (DirectML)',
  coreml: 'Apple GPU (Core ML)',
  cpu: 'Processor',
};

function MachineCard({ machine }: { machine: MachineCheck }) {
  const rows: [string, string, boolean][] = [
    [
      'Graphics',
      machine.gpu
        ? `${PROVIDER_NAMES[machine.execution_providers.preferred] ?? machine.execution_providers.preferred} — models run on it`
        : 'No GPU acceleration found — models run on the processor, slower but fine for small models',
      machine.gpu,
    ],
    ['Memory', `${(machine.memory_bytes / 1e9).toFixed(1)} GB`, machine.memory_bytes >= 8e9],
    ['Free disk', `${formatBytes(machine.free_disk_bytes)} where Atelier keeps its data`, machine.free_disk_bytes >= 5e9],
    [
      'ffmpeg',
      machine.ffmpeg.found
        ? `version ${machine.ffmpeg.version} (${machine.ffmpeg.source === 'system' ? 'from this computer' : machine.ffmpeg.source === 'npm' || machine.ffmpeg.source === 'bundled' ? 'shipped with Atelier' : 'chosen in Settings'})`
        : 'not found — recording, mixing and video need it; choose one in Settings',
      machine.ffmpeg.found,
    ],
  ];
  return (
    <Card title="Your computer" description="What Atelier found, so it only suggests models that fit." data-testid="machine-check">
      <dl className="machine-check">
        {rows.map(([label, value, ok]) => (
          <div key={label} className="machine-row" data-ok={ok}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

function PackCard({ pack, overview, onChanged }: { pack: StarterPack; overview: CatalogOverview; onChanged: () => void }) {
  const entries = pack.entries.map((id) => overview.entries.find((e) => e.id === id)!).filter(Boolean);
  const { busy, error, run } = useAction();
  const pending = entries.filter((e) => e.status === 'available');
  const install = () =>
    run(async () => {
      await catalogApi.installPack(pack.id);
      onChanged();
    });
  return (
    <section className="pack" data-testid="pack" data-pack={pack.id} aria-label={`${pack.title} pack`}>
      <header className="pack-head">
        <div>
          <h3 className="pack-title">{pack.title}</h3>
          <p className="muted small">{pack.enables}</p>
          <p className="muted small">
            {formatBytes(pack.size_bytes)} in all
            {!pack.commercial && ' · includes a model whose licence forbids commercial use'}
          </p>
          {pack.misfit.length > 0 && <p className="pack-misfit small">May not fit this computer: {pack.misfit.join('; ')}.</p>}
        </div>
        {pending.length > 0 ? (
          <Button
            variant={pack.misfit.length ? 'secondary' : 'primary'}
            busy={busy}
            onClick={() => void install()}
            data-testid="pack-install"
          >
            Install {pack.title.toLowerCase()} pack
          </Button>
        ) : (
          <span className={entries.every((e) => e.status === 'installed') ? 'catalog-installed small' : 'muted small'}>
            {entries.every((e) => e.status === 'installed') ? 'Installed' : 'Downloading'}
          </span>
        )}
      </header>
      {error && <Alert tone="error">{error}</Alert>}
      <ul className="catalog-list">
        {entries.map((e) => (
          <CatalogEntryRow key={e.id} entry={e} jobId={e.job_id} onChanged={onChanged} />
        ))}
      </ul>
    </section>
  );
}

const CHECKLIST = [
  { id: 'mic', label: 'Test the microphone', to: '/compose', hint: 'Record a short take and play it back.' },
  { id: 'hum', label: 'Hum a song', to: '/compose', hint: 'Hum a melody; Atelier arranges it into a full track.' },
  { id: 'image', label: 'Make an image', to: '/images', hint: 'Describe a picture and generate it on this computer.' },
  { id: 'concert', label: 'Host a concert', to: '/concerts', hint: 'Play your songs live to people on your network.' },
] as const;
const CHECKLIST_KEY = 'atelier:first-run-checklist';

function Checklist() {
  const [done, setDone] = useState<string[]>(() => {
    try {
      return JSON.parse(localStorage.getItem(CHECKLIST_KEY) ?? '[]') as string[];
    } catch {
      return [];
    }
  });
  const mark = (id: string) => {
    const next = [...new Set([...done, id])];
    setDone(next);
    localStorage.setItem(CHECKLIST_KEY, JSON.stringify(next));
  };
  return (
    <Card title="Then try" description="Four first steps; each opens the place to do it." data-testid="checklist">
      <ol className="checklist">
        {CHECKLIST.map((item) => (
          <li key={item.id} data-done={done.includes(item.id)}>
            <Link to={item.to} onClick={() => mark(item.id)}>
              {item.label}
            </Link>
            <span className="muted small">{item.hint}</span>
          </li>
        ))}
      </ol>
    </Card>
  );
}

/** A studio with a hummed take already in it, to compose from without a microphone. */
function SampleProject() {
  const { busy, error, run } = useAction();
  const create = () => run(async () => navigate(`/compose/${await createSampleProject()}`), { leaves: true });
  return (
    <Card
      title="Sample project (optional)"
      description="A studio with a hummed “Twinkle, twinkle” in it: compose a song from it before you record your own."
      data-testid="sample-project"
    >
      <Button busy={busy} onClick={() => void create()} data-testid="create-sample">
        Create the sample project
      </Button>
      {error && <Alert tone="error">{error}</Alert>}
    </Card>
  );
}

/** /welcome: after the first account, the machine check, starter packs that fit it, and a first-steps checklist. */
export function FirstRun() {
  const { overview, error, load } = useCatalog();
  useEffect(() => void load(), [load]);
  const changed = useCallback(() => void load(), [load]);

  return (
    <div className="stack welcome models">
      <PageHeader
        title="Set up your studio"
        description="Atelier runs its AI on this computer. Pick the starter packs you want; each download shows where it comes from, its licence and its size, and you can pause it."
      />
      {error && <Alert tone="error">{error}</Alert>}
      {!overview && !error && <Spinner label="Checking this computer" />}
      {overview && (
        <>
          <MachineCard machine={overview.machine} />
          <Card
            title="Starter packs"
            description="Install now or later from Models; Atelier works without them, with less."
            data-testid="packs"
          >
            <div className="packs">
              {overview.packs.map((p) => (
                <PackCard key={p.id} pack={p} overview={overview} onChanged={changed} />
              ))}
            </div>
          </Card>
          <Checklist />
          <SampleProject />
          <div className="row">
            <Link to={HOME} className="btn btn-primary" data-testid="first-run-done">
              Open the studio
            </Link>
          </div>
        </>
      )}
    </div>
  );
}

export default FirstRun;
