import { useId, type ReactNode } from 'react';

export interface CardProps {
  title?: string;
  description?: ReactNode;
  tone?: 'default' | 'danger';
  children?: ReactNode;
  'data-testid'?: string;
}

export function Card({ title, description, tone = 'default', children, ...rest }: CardProps) {
  const titleId = useId();
  return (
    <section
      className={`card${tone === 'danger' ? ' card-danger' : ''}`}
      aria-labelledby={title ? titleId : undefined}
      data-testid={rest['data-testid']}
    >
      {(title || description) && (
        <header className="card-header">
          {title && (
            <h2 className="card-title" id={titleId}>
              {title}
            </h2>
          )}
          {description && <p className="card-description">{description}</p>}
        </header>
      )}
      {children}
    </section>
  );
}
