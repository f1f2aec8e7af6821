import { Card, Spinner } from '../../../components';
import type { ExecutionProvider } from '../api';
import { useModels } from '../store';

const NAMES: Record<ExecutionProvider, string> = { cuda: 'NVIDIA CUDA', dml: 'DirectML', coreml: 'Core ML', webgpu: 'WebGPU', cpu: 'CPU' };

/** The execution providers ONNX Runtime can use here, best first. */
export function ProvidersCard() {
  const providers = useModels((s) => s.overview?.execution_providers);
  return (
    <Card
      title="Runs on"
      description="Where models run on this computer. An accelerator that fails to start falls back to the CPU."
      data-testid="providers"
    >
      {!providers ? (
        <Spinner label="Looking for accelerators" />
      ) : (
        <>
          <ul className="provider-list" aria-label="Execution providers">
            {providers.available.map((p) => (
              <li key={p} className={`provider${p === providers.preferred ? ' preferred' : ''}`} data-provider={p}>
                {NAMES[p]}
                {p === providers.preferred && (
                  <span className="provider-note">{providers.forced ? 'chosen by ATELIER_EXECUTION_PROVIDER' : 'used first'}</span>
                )}
              </li>
            ))}
          </ul>
          {providers.available.length === 1 && (
            <p className="muted small">
              No GPU acceleration was found, so models run on the CPU: fine for small models and upscaling, slow for SDXL.
            </p>
          )}
        </>
      )}
    </Card>
  );
}
