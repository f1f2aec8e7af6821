import { errorMessage } from '../api/client';

/**
 * A store's read of one value from the server: on success the value lands under `key` and the
 * error under `errorKey` clears; on failure only the error is set, so the last good value stays shown.
 */
export function loader<S, K extends keyof S>(
  set: (partial: Partial<S>) => void,
  key: K,
  errorKey: keyof S,
  read: () => Promise<S[K]>,
  describe: (err: unknown) => string = errorMessage,
): () => Promise<void> {
  return async () => {
    try {
      set({ [key]: await read(), [errorKey]: null } as Partial<S>);
    } catch (err) {
      set({ [errorKey]: describe(err) } as Partial<S>);
    }
  };
}
