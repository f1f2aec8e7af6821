import { create } from 'zustand';
import { Button } from './Button';
import { Icon } from './Icon';

export interface ToastOptions {
  message: string;
  tone?: 'info' | 'success' | 'error';
  /** A button, or a link when `href` is given (the result of a job: opens in a new tab with Ctrl). */
  action?: { label: string; run: () => void; href?: string };
  /** How long it stays, ms; errors stay until dismissed. */
  duration?: number;
}

interface Toast extends ToastOptions {
  id: number;
}

let nextId = 1;
const timers = new Map<number, ReturnType<typeof setTimeout>>();
const useToasts = create<{ toasts: Toast[] }>()(() => ({ toasts: [] }));

export function dismissToast(id: number): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  useToasts.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}

/** Shows a short message in the corner; answers its id. */
export function showToast(options: ToastOptions): number {
  const id = nextId++;
  useToasts.setState((s) => ({ toasts: [...s.toasts.slice(-3), { ...options, id }] }));
  const duration = options.duration ?? (options.tone === 'error' ? 0 : 5000);
  if (duration > 0)
    timers.set(
      id,
      setTimeout(() => dismissToast(id), duration),
    );
  return id;
}

const pendingCommits = new Set<() => void>();
// Leaving the page is not undoing: what was waiting is done before the page goes.
if (typeof window !== 'undefined') window.addEventListener('pagehide', () => [...pendingCommits].forEach((commit) => commit()));

/**
 * Deletes with a way back: `hide` takes the thing off the screen at once, `commit` really deletes
 * it after the toast's time runs out (or the page is left), and Undo puts it back with nothing
 * deleted.
 */
export function undoable({
  message,
  hide,
  restore,
  commit,
  duration = 6000,
}: {
  message: string;
  hide?: () => void;
  restore?: () => void;
  commit: () => void | Promise<void>;
  duration?: number;
}): void {
  hide?.();
  let settled = false;
  const finish = () => {
    if (settled) return;
    settled = true;
    pendingCommits.delete(finish);
    void commit();
  };
  pendingCommits.add(finish);
  const id = showToast({
    message,
    duration,
    action: {
      label: 'Undo',
      run: () => {
        if (settled) return;
        settled = true;
        pendingCommits.delete(finish);
        clearTimeout(commitTimer);
        restore?.();
      },
    },
  });
  const commitTimer = setTimeout(() => {
    finish();
    dismissToast(id);
  }, duration);
}

/** The corner where toasts appear; mounted once at the root of the app. */
export function ToastHost() {
  const toasts = useToasts((s) => s.toasts);
  return (
    <div className="toasts" role="region" aria-label="Notifications" data-testid="toasts">
      {toasts.map((toast) => (
        <div
          key={toast.id}
          className={`toast toast-${toast.tone ?? 'info'}`}
          role={toast.tone === 'error' ? 'alert' : 'status'}
          data-testid="toast"
        >
          <span className="toast-message">{toast.message}</span>
          {toast.action?.href ? (
            <a
              className="toast-action toast-link"
              href={toast.action.href}
              onClick={(event) => {
                if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
                event.preventDefault();
                toast.action!.run();
                dismissToast(toast.id);
              }}
            >
              {toast.action.label}
            </a>
          ) : toast.action ? (
            <Button
              size="sm"
              variant="ghost"
              className="toast-action"
              onClick={() => {
                toast.action!.run();
                dismissToast(toast.id);
              }}
            >
              {toast.action.label}
            </Button>
          ) : null}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismissToast(toast.id)}>
            <Icon name="close" size={16} />
          </button>
        </div>
      ))}
    </div>
  );
}
