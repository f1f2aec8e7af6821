import type { ReactNode } from 'react';

/** Errors interrupt (role="alert"); confirmations and notes wait their turn (role="status"). */
export function Alert({
  tone = 'info',
  children,
  'data-testid': testId,
}: {
  tone?: 'error' | 'success' | 'info';
  children: ReactNode;
  'data-testid'?: string;
}) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}
