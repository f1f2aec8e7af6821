import { Alert, Card, Spinner } from '../../../components';
import type { Usage } from '../api';
import { useImages } from '../store';
import { count, onThisComputer } from '../../../lib/words';

const W = 280;
const H = 80;

/** Credits used per day this month as bars; each bar's title gives the day's figures. */
function UsageChart({ usage }: { usage: Usage }) {
  const days = usage.daily;
  const most = Math.max(1, ...days.map((d) => d.credits_used));
  const slot = W / Math.max(1, days.length);
  return (
    <svg
      className="usage-chart"
      viewBox={`0 0 ${W} ${H + 14}`}
      role="img"
      aria-label={`Credits used per day from ${usage.start_date} to ${usage.end_date}: ${usage.summary.total_credits_used} in all`}
      data-testid="usage-chart"
    >
      {days.map((d, i) => {
        const h = (d.credits_used / most) * H;
        return (
          <rect
            key={d.date}
            x={i * slot + slot * 0.15}
            y={H - h}
            width={slot * 0.7}
            height={Math.max(h, d.credits_used > 0 ? 1 : 0)}
            className="usage-bar"
          >
            <title>{`${d.date}: ${count(d.credits_used, 'credit')}, ${count(d.generations, 'generation')}, ${count(d.images_created, 'image')}`}</title>
          </rect>
        );
      })}
      <line x1={0} x2={W} y1={H} y2={H} className="usage-axis" />
      <text x={0} y={H + 12} className="usage-label">
        {usage.start_date.slice(5)}
      </text>
      <text x={W} y={H + 12} className="usage-label" textAnchor="end">
        {usage.end_date.slice(5)}
      </text>
    </svg>
  );
}

/** The credit balance (what queued jobs hold aside) and, when opened, this month's usage: read on demand, as Free accounts have 30 requests a minute. */
export function CreditsPanel() {
  const { credits, usage, creditsError, loadUsage } = useImages();
  return (
    <Card
      title={onThisComputer() ? 'Compute time' : 'Credits'}
      description={
        onThisComputer()
          ? 'Seconds of GPU or CPU time your images took on this computer. Credits (one a second) only limit people on your network who share it.'
          : 'One credit pays one second of compute on the computer you are connected to.'
      }
    >
      {creditsError && <Alert tone="error">{creditsError}</Alert>}
      {!credits && !creditsError && <Spinner label="Loading credits" />}
      {credits && (
        <dl className="credit-figures" data-testid="credits">
          <div>
            <dt>Balance</dt>
            <dd data-testid="credit-balance">{credits.balance.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Held by jobs</dt>
            <dd>{credits.reserved.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Available</dt>
            <dd>{credits.available.toLocaleString()}</dd>
          </div>
        </dl>
      )}
      <details className="usage" onToggle={(e) => e.currentTarget.open && !usage && void loadUsage()}>
        <summary>Usage this month</summary>
        {usage ? (
          <>
            <p className="muted small">
              {count(usage.summary.total_generations, 'generation')}, {count(usage.summary.total_images_created, 'image')},{' '}
              {count(usage.summary.total_credits_used, 'credit')}.
            </p>
            <UsageChart usage={usage} />
            {usage.by_model.length > 0 && (
              <ul className="plain-list small">
                {usage.by_model.map((m) => (
                  <li key={m.model}>
                    {m.model}: {count(m.generations, 'generation')}, {count(m.credits_used, 'credit')}
                  </li>
                ))}
              </ul>
            )}
          </>
        ) : (
          !creditsError && <Spinner label="Loading usage" />
        )}
      </details>
    </Card>
  );
}
