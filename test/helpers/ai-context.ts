import * as ort from 'onnxruntime-node';
import { AiError, type SessionSpec } from '../../src-server/ai/protocol';
import type { LoadedSession, TaskContext } from '../../src-server/ai/worker-runtime';

/** A TaskContext running ONNX sessions in this process (CPU), as the AI worker runtime does. */
export function localContext(onProgress: (value: unknown) => void = () => {}, signal = new AbortController().signal): TaskContext {
  const sessions = new Map<string, Promise<LoadedSession>>();
  return {
    ort,
    signal,
    session(spec: SessionSpec) {
      let s = sessions.get(spec.model);
      if (!s) {
        s = ort.InferenceSession.create(spec.model).then((session) => ({
          session,
          info: { model: spec.model, requested: 'cpu', provider: 'cpu', loadMs: 0 },
        }));
        sessions.set(spec.model, s);
      }
      return s;
    },
    run: (loaded, feeds) => loaded.session.run(feeds),
    throwIfCancelled() {
      if (signal.aborted) throw new AiError('cancelled', 'cancelled');
    },
    progress: onProgress,
  };
}
