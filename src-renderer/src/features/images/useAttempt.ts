import { useAction } from '../../components';
import { describeError } from './api';

/** A request a button starts: busy while it runs, its failure in words (the canvas error's own). */
export function useAttempt() {
  const { busy, error, setError, run } = useAction(describeError);
  return { busy, error, setError, attempt: run };
}
