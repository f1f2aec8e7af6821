import { useCallback, useState } from 'react';
import { errorMessage } from '../api/client';

export interface ActionOptions {
  /** The work leaves the screen when it succeeds (it navigates), so the button stays busy until then. */
  leaves?: boolean;
}

/**
 * A button's or form's work with its busy flag and its error: one try/catch for every form.
 * `run` resolves true when the work succeeded; a failure's message (worded by `describe`) lands in
 * `error`. The work may `setNote` what it did; both are cleared when the next run starts.
 */
export function useAction(describe: (err: unknown) => string = errorMessage) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const run = useCallback(
    async (work: () => Promise<unknown>, { leaves = false }: ActionOptions = {}) => {
      setBusy(true);
      setError(null);
      setNote(null);
      try {
        await work();
        if (!leaves) setBusy(false);
        return true;
      } catch (err) {
        setError(describe(err));
        setBusy(false);
        return false;
      }
    },
    [describe],
  );
  return { busy, error, setError, note, setNote, run };
}

/**
 * Several buttons' work sharing one error: `busy` names the button whose work is running, so only
 * that one spins while `busy !== null` can still hold the others back.
 */
export function useNamedAction<Name extends string = string>(describe: (err: unknown) => string = errorMessage) {
  const [busy, setBusy] = useState<Name | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (what: Name, work: () => Promise<unknown>) => {
      setBusy(what);
      setError(null);
      try {
        await work();
      } catch (err) {
        setError(describe(err));
      } finally {
        setBusy(null);
      }
    },
    [describe],
  );
  return { busy, error, setError, run };
}
