import { Icon } from '../../../components';
import { ariaKeys, withShortcut } from '../../../lib/shortcuts';
import { useShell } from '../store';

export function KeysButton() {
  const setOpen = useShell((s) => s.setKeysOpen);
  return (
    <button
      type="button"
      className="icon-button"
      onClick={() => setOpen(true)}
      aria-label="Keyboard shortcuts"
      title={withShortcut('Keyboard shortcuts', 'help')}
      aria-keyshortcuts={ariaKeys('help')}
      data-testid="keys-button"
    >
      <Icon name="keyboard" />
    </button>
  );
}
