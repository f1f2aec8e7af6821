import { create } from 'zustand';
import { Button } from './Button';
import { Dialog } from './Dialog';

export interface ConfirmOptions {
  title: string;
  body?: string;
  /** The button that goes ahead, named for what it does: "Delete studio", not "OK". */
  confirmLabel: string;
  tone?: 'danger' | 'primary';
}

interface Pending extends ConfirmOptions {
  resolve: (ok: boolean) => void;
}

const useConfirmStore = create<{ pending: Pending | null }>()(() => ({ pending: null }));

/** Asks in a themed dialog, answers true when the person goes ahead: the app's `window.confirm`. */
export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  useConfirmStore.getState().pending?.resolve(false);
  return new Promise((resolve) => useConfirmStore.setState({ pending: { ...options, resolve } }));
}

/** Renders the question `confirmAction` asks; mounted once at the root of the app. */
export function ConfirmHost() {
  const pending = useConfirmStore((s) => s.pending);
  const answer = (ok: boolean) => {
    pending?.resolve(ok);
    useConfirmStore.setState({ pending: null });
  };
  return (
    <Dialog
      open={!!pending}
      size="sm"
      title={pending?.title ?? ''}
      onClose={() => answer(false)}
      data-testid="confirm-dialog"
      actions={
        <>
          <Button variant="ghost" onClick={() => answer(false)} data-testid="confirm-cancel">
            Cancel
          </Button>
          <Button variant={pending?.tone ?? 'danger'} onClick={() => answer(true)} data-testid="confirm-accept" autoFocus>
            {pending?.confirmLabel}
          </Button>
        </>
      }
    >
      {pending?.body && <p>{pending.body}</p>}
    </Dialog>
  );
}
