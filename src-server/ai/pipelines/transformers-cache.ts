import path from 'node:path';

type Transformers = typeof import('@huggingface/transformers');

/**
 * A transformers.js pipeline over a local model folder (never the Hub), loaded once per folder and
 * dtype and kept for the worker's life; a load that fails is dropped so the next call tries again.
 */
export function localPipelines<T>(
  task: 'text-generation' | 'automatic-speech-recognition',
  wrap: (pipe: unknown, transformers: Transformers) => T,
) {
  const loaded = new Map<string, Promise<T>>();
  return (modelDir: string, dtype: string): Promise<T> => {
    const key = `${modelDir}\n${dtype}`;
    let model = loaded.get(key);
    if (!model) {
      model = (async () => {
        const transformers = await import('@huggingface/transformers');
        transformers.env.localModelPath = path.dirname(modelDir);
        transformers.env.allowRemoteModels = false;
        return wrap(await transformers.pipeline(task, path.basename(modelDir), { dtype: dtype as 'q8' }), transformers);
      })();
      loaded.set(key, model);
      model.catch(() => loaded.delete(key));
    }
    return model;
  };
}
