import type { ComposeVibes } from '../api';

/** How the arranger's words read on a chip. */
const SHOWN: Record<string, string> = {
  lofi: 'lo-fi',
  hiphop: 'hip hop',
  rnb: 'R&B',
  edm: 'EDM',
  epiano: 'electric piano',
  'electric-guitar': 'electric guitar',
};
export const vibeLabel = (word: string) => SHOWN[word] ?? word;

export interface Vibe {
  genre: string;
  mood: string;
  instruments: string[];
}

/** One chip group: a single choice (genre, mood) as radios, or several (instruments) as checkboxes. */
function ChipGroup({
  legend,
  words,
  chosen,
  multiple,
  disabled,
  onToggle,
}: {
  legend: string;
  words: string[];
  chosen: string[];
  multiple: boolean;
  disabled: boolean;
  onToggle(word: string): void;
}) {
  return (
    <fieldset className="vibe-group" disabled={disabled}>
      <legend className="field-label">{legend}</legend>
      <div className="vibe-chips" role={multiple ? 'group' : 'radiogroup'} aria-label={legend}>
        {words.map((word) => {
          const on = chosen.includes(word);
          return (
            <button
              key={word}
              type="button"
              className={`vibe-chip${on ? ' on' : ''}`}
              role={multiple ? 'checkbox' : 'radio'}
              aria-checked={on}
              onClick={() => onToggle(word)}
              data-testid={`vibe-${word}`}
            >
              {vibeLabel(word)}
            </button>
          );
        })}
      </div>
    </fieldset>
  );
}

/** Genre, mood and instruments as chips, from what the arranger plays (GET /api/compose/vibes): each one changes the song. */
export function VibeChips({
  vibes,
  value,
  disabled,
  onChange,
}: {
  vibes: ComposeVibes;
  value: Vibe;
  disabled: boolean;
  onChange(vibe: Vibe): void;
}) {
  const toggle = (name: string) =>
    onChange({
      ...value,
      instruments: value.instruments.includes(name) ? value.instruments.filter((i) => i !== name) : [...value.instruments, name],
    });
  return (
    <div className="vibes" data-testid="vibe-chips">
      {(
        [
          ['Genre', vibes.genres, 'genre'],
          ['Mood', vibes.moods, 'mood'],
        ] as const
      ).map(([legend, words, key]) => (
        <ChipGroup
          key={key}
          legend={legend}
          words={words}
          chosen={[value[key]]}
          multiple={false}
          disabled={disabled}
          onToggle={(word) => onChange({ ...value, [key]: word })}
        />
      ))}
      <ChipGroup
        legend="Instruments (the first leads)"
        words={vibes.instruments}
        chosen={value.instruments}
        multiple
        disabled={disabled}
        onToggle={toggle}
      />
    </div>
  );
}
