import { Button, Dialog } from '../../../components';
import { keysOf, SHORTCUTS, useShortcut, type ShortcutId } from '../../../lib/shortcuts';
import { useShell } from '../store';

/** Every shortcut in the registry, grouped by where it works; opened with "?" or the sidebar's keyboard button. */
export function KeyboardMap() {
  const open = useShell((s) => s.keysOpen);
  const setOpen = useShell((s) => s.setKeysOpen);
  useShortcut('help', () => setOpen(!open));
  const groups = new Map<string, ShortcutId[]>();
  for (const id of Object.keys(SHORTCUTS) as ShortcutId[]) {
    const where = SHORTCUTS[id].where;
    groups.set(where, [...(groups.get(where) ?? []), id]);
  }
  return (
    <Dialog
      open={open}
      title="Keyboard shortcuts"
      onClose={() => setOpen(false)}
      data-testid="keyboard-map"
      actions={
        <Button variant="secondary" onClick={() => setOpen(false)}>
          Close
        </Button>
      }
    >
      {[...groups].map(([where, ids]) => (
        <section key={where} className="keymap-group">
          <h3 className="keymap-where">{where}</h3>
          <dl className="keymap">
            {ids.map((id) => (
              <div key={id} className="keymap-row" data-shortcut={id}>
                <dt>{SHORTCUTS[id].label}</dt>
                <dd>
                  {keysOf(id).map((key, i) => (
                    <span key={key}>
                      {i > 0 && <span aria-hidden="true"> + </span>}
                      <kbd>{key}</kbd>
                    </span>
                  ))}
                </dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
    </Dialog>
  );
}
