import fs from 'node:fs';
import { checkRoom, DISK_MARGIN_BYTES } from '../../ai/diffusion/catalog';
import type { Job } from '../../jobs/queue';
import { errors } from '../errors';
import { fromCatalog, type InstallPayload, type InstallResult, type ModelAdminService } from '../models/service';
import { downloadsOf, entryBytes, isPinned, sourceUrl, type ModelCatalogFile, type ModelEntry, type Pack } from './catalog';
import type { MachineCheck } from '../../../src-shared/api/catalog';

export type EntryStatus = 'installed' | 'installing' | 'available';

export interface EntryView {
  id: string;
  name: string;
  kind: ModelEntry['kind'];
  repo: string;
  revision: string;
  source_url: string;
  licence: ModelEntry['licence'];
  enables: string;
  area: string;
  size_bytes: number;
  /** Every file has a size and sha256 in the catalog. */
  pinned: boolean;
  min_memory_gb: number;
  status: EntryStatus;
  job_id: string | null;
  /** Empty when it fits this machine; otherwise why not (memory, disk). */
  misfit: string[];
}

export interface PackView extends Omit<Pack, 'entries'> {
  entries: string[];
  size_bytes: number;
  misfit: string[];
  commercial: boolean;
}

const GB = 1e9;

/**
 * The model catalog beside what is installed: each entry's status, whether it fits this machine,
 * and installs through the model installer (one download job per entry, `downloads` lane).
 */
export class CatalogService {
  constructor(
    readonly file: ModelCatalogFile,
    readonly baseUrl: string,
    private readonly models: ModelAdminService,
  ) {}

  entry(id: string): ModelEntry {
    const e = this.file.entries.find((x) => x.id === id);
    if (!e) throw errors.error('CATALOG_ENTRY_NOT_FOUND', `the model catalog has no entry "${id}"`);
    return e;
  }

  pack(id: string): Pack {
    const p = this.file.packs.find((x) => x.id === id);
    if (!p) throw errors.error('CATALOG_ENTRY_NOT_FOUND', `the model catalog has no pack "${id}"`);
    return p;
  }

  status(e: ModelEntry): { status: EntryStatus; job_id: string | null } {
    const open = this.models.openInstall(e.kind, e.id);
    if (open) return { status: 'installing', job_id: open.id };
    return { status: fs.existsSync(this.models.target(e.kind, e.id)) ? 'installed' : 'available', job_id: null };
  }

  private misfit(e: ModelEntry, machine: MachineCheck): string[] {
    const out: string[] = [];
    if (machine.memory_bytes < e.min_memory_gb * GB * 0.9)
      out.push(`needs about ${e.min_memory_gb} GB of memory; this computer has ${(machine.memory_bytes / GB).toFixed(1)} GB`);
    if (this.status(e).status === 'available' && machine.free_disk_bytes < entryBytes(e) + DISK_MARGIN_BYTES)
      out.push(`needs ${(entryBytes(e) / GB).toFixed(2)} GB of free disk; ${(machine.free_disk_bytes / GB).toFixed(2)} GB are free`);
    return out;
  }

  view(e: ModelEntry, machine: MachineCheck): EntryView {
    return {
      id: e.id,
      name: e.name,
      kind: e.kind,
      repo: e.repo,
      revision: e.revision,
      source_url: sourceUrl(e),
      licence: e.licence,
      enables: e.enables,
      area: e.area,
      size_bytes: entryBytes(e),
      pinned: isPinned(e),
      min_memory_gb: e.min_memory_gb,
      ...this.status(e),
      misfit: this.misfit(e, machine),
    };
  }

  packs(machine: MachineCheck): PackView[] {
    return this.file.packs.map((p) => {
      const entries = p.entries.map((id) => this.entry(id));
      return {
        id: p.id,
        title: p.title,
        enables: p.enables,
        entries: p.entries,
        size_bytes: entries.reduce((a, e) => a + entryBytes(e), 0),
        misfit: [...new Set(entries.flatMap((e) => this.misfit(e, machine)))],
        commercial: entries.every((e) => e.licence.commercial),
      };
    });
  }

  /** Queues the download of one entry; refused up front when it is installed, downloading, or does not fit the disk. */
  install(ownerId: string, id: string): Job<InstallPayload, InstallResult> {
    const e = this.entry(id);
    const files = downloadsOf(e, this.baseUrl);
    // Unpinned files carry no size: the entry's estimate stands in for the up-front disk check.
    try {
      checkRoom(this.models.catalog.root, isPinned(e) ? files : [{ size: e.approx_bytes }]);
    } catch (err) {
      throw fromCatalog(err);
    }
    return this.models.enqueueInstall(ownerId, {
      id: e.id,
      type: e.kind,
      catalog: e.id,
      source: `${e.repo}@${e.revision}`,
      files,
      meta: { display_name: e.name, description: e.enables },
    });
  }

  /** Every entry of a pack not installed or downloading yet, queued in the pack's order. */
  installPack(ownerId: string, id: string): Job<InstallPayload, InstallResult>[] {
    const pack = this.pack(id);
    const todo = pack.entries.map((x) => this.entry(x)).filter((e) => this.status(e).status === 'available');
    // The whole pack must fit before any of it starts.
    try {
      checkRoom(
        this.models.catalog.root,
        todo.map((e) => ({ size: entryBytes(e) })),
      );
    } catch (err) {
      throw fromCatalog(err);
    }
    return todo.map((e) => this.install(ownerId, e.id));
  }
}
