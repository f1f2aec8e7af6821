import { useId, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { Icon } from './Icon';

export interface FilePickerProps {
  /** The action, e.g. "Import an audio file". */
  label: string;
  /** What it takes, e.g. "WAV, MP3, M4A, OGG or FLAC". */
  hint?: ReactNode;
  accept: string;
  multiple?: boolean;
  disabled?: boolean;
  onFiles: (files: File[]) => void;
  /** A one-line button instead of a drop area, for toolbars. */
  compact?: boolean;
  'data-testid'?: string;
}

/** Does a dropped file fit an `accept` list ("audio/*,.wav,image/png")? */
function accepts(accept: string, file: File): boolean {
  const rules = accept.split(',').map((r) => r.trim().toLowerCase());
  const name = file.name.toLowerCase();
  const type = file.type.toLowerCase();
  return rules.some((rule) =>
    rule.startsWith('.') ? name.endsWith(rule) : rule.endsWith('/*') ? type.startsWith(rule.slice(0, -1)) : type === rule,
  );
}

/**
 * A themed file picker: a drop area that also opens the system's file dialog on click, Enter or
 * Space. A dropped file the `accept` list does not cover is refused on the spot with a message,
 * before any upload.
 */
export function FilePicker({ label, hint, accept, multiple, disabled, onFiles, compact, ...rest }: FilePickerProps) {
  const input = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const [over, setOver] = useState(false);
  const [refused, setRefused] = useState<string | null>(null);

  const take = (files: File[]) => {
    const fitting = files.filter((f) => accepts(accept, f));
    const wrong = files.filter((f) => !accepts(accept, f));
    setRefused(wrong.length ? `${wrong.map((f) => `“${f.name}”`).join(', ')} is not a file this takes.` : null);
    const chosen = multiple ? fitting : fitting.slice(0, 1);
    if (chosen.length) onFiles(chosen);
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    if (!disabled) take([...event.dataTransfer.files]);
  };

  return (
    <div className={`file-picker${compact ? ' compact' : ''}${over ? ' over' : ''}${disabled ? ' disabled' : ''}`}>
      <button
        type="button"
        className="file-drop"
        disabled={disabled}
        aria-describedby={hint || refused ? hintId : undefined}
        onClick={() => input.current?.click()}
        onDragOver={(e) => {
          e.preventDefault();
          if (!disabled) setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <Icon name="upload" size={compact ? 16 : 22} />
        <span className="file-drop-label">{label}</span>
        {!compact && <span className="file-drop-or">or drop {multiple ? 'files' : 'a file'} here</span>}
      </button>
      {(hint || refused) && (
        <p className={refused ? 'field-error' : 'field-hint'} id={hintId}>
          {refused ?? hint}
        </p>
      )}
      <input
        ref={input}
        type="file"
        accept={accept}
        multiple={multiple}
        hidden
        tabIndex={-1}
        data-testid={rest['data-testid']}
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) take(files);
        }}
      />
    </div>
  );
}
