import { useCallback, useEffect } from 'react';
import { Alert, Card } from '../../../components';
import { useLocation } from '../../../app/router';
import { useCatalog } from '../catalog-store';
import { CatalogEntryRow } from './CatalogEntryRow';

/** The model catalog beside what is installed; `?entry=<id>` (the link areas give) scrolls to and marks one entry. */
export function CatalogSection({ onInstalled }: { onInstalled: () => void }) {
  const { overview, error, load } = useCatalog();
  const { query } = useLocation();
  const wanted = query.get('entry');
  useEffect(() => void load(), [load]);
  useEffect(() => {
    if (wanted && overview) document.getElementById(`catalog-${wanted}`)?.scrollIntoView({ block: 'center' });
  }, [wanted, overview]);
  const changed = useCallback(() => {
    void load();
    onInstalled();
  }, [load, onInstalled]);

  return (
    <Card
      title="Catalog"
      description={
        overview
          ? `Models Atelier knows how to install (catalog version ${overview.version}, ${overview.updated}), downloaded from ${overview.base_url}.`
          : 'Models Atelier knows how to install.'
      }
      data-testid="catalog"
    >
      {error && <Alert tone="error">{error}</Alert>}
      {overview && (
        <ul className="catalog-list">
          {overview.entries.map((e) => (
            <CatalogEntryRow key={e.id} entry={e} jobId={e.job_id} onChanged={changed} highlighted={e.id === wanted} />
          ))}
        </ul>
      )}
    </Card>
  );
}
