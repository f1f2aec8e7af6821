import type { ReactNode } from 'react';
import { Alert } from '../../../components';

/** One installed model's row: its name and id, facts, whether it is usable and why not. */
export function ModelItem({
  id,
  name,
  showId,
  available,
  facts,
  problem,
  problemTestId,
  notUsable,
  error,
  children,
  'data-testid': testId,
}: {
  id: string;
  name: string;
  /** The id beside the name, where it says more than the name. */
  showId: boolean;
  available: boolean;
  facts: ReactNode;
  problem: string | null;
  problemTestId?: string;
  /** What the status says when the model cannot be used. */
  notUsable: string;
  /** What went wrong with an action on it. */
  error?: string | null;
  /** Its actions. */
  children?: ReactNode;
  'data-testid': string;
}) {
  return (
    <li className={`model${available ? '' : ' broken'}`} data-testid={testId} data-model={id} data-available={available}>
      <div className="model-main">
        <div className="model-name">
          <strong>{name}</strong>
          {showId && <code>{id}</code>}
        </div>
        <div className="model-facts muted small">
          {facts}
          {available ? <span className="model-status ok">Ready</span> : <span className="model-status bad">{notUsable}</span>}
        </div>
        {problem && (
          <p className="model-problem small" data-testid={problemTestId}>
            {problem}
          </p>
        )}
        {error && <Alert tone="error">{error}</Alert>}
      </div>
      {children}
    </li>
  );
}
