import { useEffect, useRef } from 'react';

/**
 * The app's one keyboard registry. Every shortcut is declared here once (its keys, what it does,
 * where it works), so the "?" keyboard map, tooltips and `aria-keyshortcuts` all read the same
 * table. Screens bind a handler with `useShortcut`; the newest binding of a key runs first (an
 * open dialog's Escape before the panel under it) and a handler that returns `false` lets the key
 * pass to the one bound before it.
 */
export const SHORTCUTS = {
  help: { keys: ['?'], label: 'Show keyboard shortcuts', where: 'Everywhere' },
  close: { keys: ['Escape'], label: 'Close a dialog, panel or drawer', where: 'Everywhere' },
  'play-pause': { keys: ['Space'], label: 'Play or pause', where: 'Players' },
  record: { keys: ['R'], label: 'Start or stop recording', where: 'Record & Compose' },
  generate: { keys: ['Mod', 'Enter'], label: 'Generate', where: 'Image Studio, Record & Compose' },
  undo: { keys: ['Mod', 'Z'], label: 'Undo the last edit', where: 'Arrange' },
  redo: { keys: ['Mod', 'Y'], label: 'Redo', where: 'Arrange' },
  split: { keys: ['S'], label: 'Split the selected clip at the playhead', where: 'Arrange' },
  duplicate: { keys: ['D'], label: 'Duplicate the selected clip after itself', where: 'Arrange' },
  'delete-clip': { keys: ['Delete'], label: 'Delete the selected clip', where: 'Arrange' },
  loop: { keys: ['L'], label: 'Turn the loop on or off', where: 'Arrange' },
  'punch-in': { keys: ['P'], label: 'Punch in: record a take over the loop', where: 'Arrange' },
  'to-start': { keys: ['Home'], label: 'Back to the start', where: 'Arrange' },
  'gallery-previous': { keys: ['ArrowLeft'], label: 'Previous image', where: 'Image Studio gallery' },
  'gallery-next': { keys: ['ArrowRight'], label: 'Next image', where: 'Image Studio gallery' },
} as const satisfies Record<string, { keys: readonly string[]; label: string; where: string }>;

export type ShortcutId = keyof typeof SHORTCUTS;

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

const KEY_NAMES: Record<string, string> = {
  Mod: isMac ? '⌘' : 'Ctrl',
  Escape: 'Esc',
  ArrowLeft: '←',
  ArrowRight: '→',
};

/** The keys as a person reads them: "Ctrl+Enter", "⌘+Enter", "Space". */
export const keysOf = (id: ShortcutId): string[] => SHORTCUTS[id].keys.map((k) => KEY_NAMES[k] ?? k);

/** A tooltip with its shortcut: "Generate (Ctrl+Enter)". */
export const withShortcut = (text: string, id: ShortcutId): string => `${text} (${keysOf(id).join('+')})`;

/** The `aria-keyshortcuts` value (WAI-ARIA spelling: "Control+Enter", "Meta+Enter", "Space"). */
export const ariaKeys = (id: ShortcutId): string =>
  SHORTCUTS[id].keys.map((k) => (k === 'Mod' ? (isMac ? 'Meta' : 'Control') : k === '?' ? 'Shift+?' : k)).join('+');

type Handler = (event: KeyboardEvent) => boolean | void;
interface Binding {
  id: ShortcutId;
  handler: Handler;
  fallback: boolean;
}
const bindings: Binding[] = [];

function matches(id: ShortcutId, event: KeyboardEvent): boolean {
  const keys: readonly string[] = SHORTCUTS[id].keys;
  const mod = keys.includes('Mod');
  if (mod !== (isMac ? event.metaKey : event.ctrlKey)) return false;
  if (!mod && (event.ctrlKey || event.metaKey || event.altKey)) return false;
  const key = keys[keys.length - 1]!;
  if (key === 'Space') return event.key === ' ';
  if (key.length === 1) return event.key.toLowerCase() === key.toLowerCase();
  return event.key === key;
}

/** Where typing goes: a key pressed there is text, not a command (Escape and Mod+Enter still work). */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'color'].includes(target.type);
  return false;
}

/** Keys that a focused control already answers (Space presses a button, arrows move a slider). */
function ownedByControl(target: EventTarget | null, event: KeyboardEvent): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (event.key === ' ') return !!target.closest('button, a, [role="button"], [role="switch"], [role="slider"], summary, input');
  if (event.key.startsWith('Arrow')) return !!target.closest('input, select, textarea, [role="slider"], [role="tablist"], [role="menu"]');
  return false;
}

function onKeyDown(event: KeyboardEvent): void {
  if (event.defaultPrevented || event.isComposing) return;
  // A modal dialog owns the keyboard: Esc closes it (the browser does that), nothing behind it acts.
  if (document.querySelector('dialog[open]')) return;
  const freeKey = event.key === 'Escape' || ((event.ctrlKey || event.metaKey) && event.key === 'Enter');
  if (!freeKey && (typing(event.target) || ownedByControl(event.target, event))) return;
  const inTurn = [...bindings.filter((b) => !b.fallback).reverse(), ...bindings.filter((b) => b.fallback)];
  for (const binding of inTurn) {
    if (!matches(binding.id, event)) continue;
    if (binding.handler(event) === false) continue;
    event.preventDefault();
    return;
  }
}

let listening = false;

/**
 * Binds a handler to a shortcut while the calling component is mounted (and `enabled`). A
 * `fallback` binding runs only when no ordinary one took the key, oldest first (the first player
 * on a page answers Space when nothing on the page claimed it).
 */
export function useShortcut(id: ShortcutId, handler: Handler, { enabled = true, fallback = false } = {}): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (!enabled) return;
    if (!listening) {
      window.addEventListener('keydown', onKeyDown);
      listening = true;
    }
    const binding: Binding = { id, handler: (event: KeyboardEvent) => latest.current(event), fallback };
    bindings.push(binding);
    return () => {
      bindings.splice(bindings.indexOf(binding), 1);
    };
  }, [id, enabled, fallback]);
}

/** Presses a form's submit button as a click would, or passes the key on when there is none or it is disabled. */
export function pressSubmit(form: HTMLFormElement | null): false | void {
  const button = form?.querySelector<HTMLButtonElement>('button[type="submit"]');
  if (!button || button.disabled) return false;
  button.click();
}
