import type { ReactNode, SelectHTMLAttributes } from 'react';
import { Field } from './Field';

export interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'> {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  value: string;
  onChange: (value: string) => void;
  /** Options as value → label (in that order), or a list where the order of numeric values matters. */
  options?: Readonly<Record<string, string>> | readonly { value: string; label: string }[];
  /** More <option>s, after those. */
  children?: ReactNode;
}

/** A labelled choice among options, with its hint and error announced. */
export function SelectField({ label, hint, error, value, onChange, options = [], children, ...select }: SelectFieldProps) {
  const list = Array.isArray(options) ? options : Object.entries(options).map(([value, label]) => ({ value, label }));
  return (
    <Field label={label} hint={hint} error={error}>
      {(control) => (
        <select {...control} className="input" {...select} value={value} onChange={(e) => onChange(e.target.value)}>
          {list.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
          {children}
        </select>
      )}
    </Field>
  );
}
