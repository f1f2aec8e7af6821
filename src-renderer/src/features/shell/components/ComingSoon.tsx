import { Card, Icon } from '../../../components';
import type { Area } from '../areas';
import { PageHeader } from './PageHeader';

/** An area that is not built yet: what it will do, nothing pretended. */
export function ComingSoon({ area }: { area: Area }) {
  return (
    <>
      <PageHeader title={area.label} />
      <Card data-testid="coming-soon">
        <div className="coming-soon">
          <span className="coming-soon-icon">
            <Icon name={area.icon} size={28} />
          </span>
          <div>
            <p className="coming-soon-title">Coming soon</p>
            <p>{area.summary}</p>
          </div>
        </div>
      </Card>
    </>
  );
}
