import { useSocketStore, type ConnectionState } from '../../../lib/socket';

const LABELS: Record<ConnectionState, string> = {
  offline: 'Offline',
  connecting: 'Connecting…',
  online: 'Live updates on',
  reconnecting: 'Reconnecting…',
  refused: 'Live updates refused',
};

/** Whether job progress and other live events are reaching this page. */
export function ConnectionStatus() {
  const { state, detail } = useSocketStore();
  return (
    <div className="connection" role="status" data-state={state} title={detail ?? undefined} data-testid="connection-status">
      <span className="connection-dot" aria-hidden="true" />
      {LABELS[state]}
    </div>
  );
}
