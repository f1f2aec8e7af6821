import { useEffect } from 'react';
import { Button, Card } from '../../../components';
import { Link } from '../../../app/router';
import type { SortBy, StoryStatus } from '../api';
import { useStories } from '../store';
import { STATUS_LABEL } from './labels';

/** The account's stories, filtered and sorted, a page at a time. */
export function Library() {
  const { library, filter, nextCursor, loadLibrary, setFilter } = useStories();
  useEffect(() => void loadLibrary(), [loadLibrary]);

  return (
    <Card title="Library" data-testid="library">
      <div className="row stories-filters">
        <select
          aria-label="Status"
          className="input"
          value={filter.status}
          onChange={(e) => setFilter({ status: e.target.value as StoryStatus | '' })}
        >
          <option value="">All stories</option>
          <option value="completed">Finished</option>
          <option value="in_progress">Being written</option>
          <option value="failed">Failed</option>
        </select>
        <select
          aria-label="Sort"
          className="input"
          value={`${filter.sort_by}:${filter.order}`}
          onChange={(e) => {
            const [sort_by, order] = e.target.value.split(':') as [SortBy, 'asc' | 'desc'];
            setFilter({ sort_by, order });
          }}
        >
          <option value="created_at:desc">Newest first</option>
          <option value="created_at:asc">Oldest first</option>
          <option value="title:asc">Title A–Z</option>
          <option value="updated_at:desc">Recently changed</option>
        </select>
      </div>
      {library?.length === 0 && <p className="muted">No stories yet.</p>}
      <ul className="stories-library">
        {library?.map((s) => (
          <li key={s.id}>
            <Link to={`/stories/${s.id}`}>{s.title}</Link>
            <span className="muted">
              {' '}
              · {STATUS_LABEL[s.status]} · {s.chapters.length} chapters
            </span>
          </li>
        ))}
      </ul>
      {nextCursor && (
        <Button size="sm" onClick={() => void loadLibrary(true)}>
          More
        </Button>
      )}
    </Card>
  );
}
