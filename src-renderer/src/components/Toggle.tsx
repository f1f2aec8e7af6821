import { useId, type ReactNode } from 'react';

export interface ToggleProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
  label: string;
  description?: ReactNode;
  disabled?: boolean;
  busy?: boolean;
  'data-testid'?: string;
}

/** An on/off switch (role="switch"), labelled by its visible text. */
export function Toggle({ checked, onChange, label, description, disabled, busy, ...rest }: ToggleProps) {
  const id = useId();
  return (
    <div className="toggle-row">
      <div className="toggle-text">
        <span className="toggle-label" id={`${id}-label`}>
          {label}
        </span>
        {description && (
          <span className="toggle-description" id={`${id}-description`}>
            {description}
          </span>
        )}
      </div>
      <button
        type="button"
        role="switch"
        className="toggle"
        aria-checked={checked}
        aria-labelledby={`${id}-label`}
        aria-describedby={description ? `${id}-description` : undefined}
        aria-busy={busy || undefined}
        disabled={disabled || busy}
        onClick={() => onChange(!checked)}
        data-testid={rest['data-testid']}
      >
        <span className="toggle-thumb" />
      </button>
    </div>
  );
}
