import { useEffect, useRef, useState } from 'react';
import type { ConcertStage } from '../../../../../src-shared/events';
import type { StageScene } from '../stage/scene';
import '../stage.css';

type State = { kind: 'loading' } | { kind: 'ready'; problems: string[] } | { kind: 'failed' } | { kind: 'no-webgl' };

let webgl: boolean | null = null;

/** Whether this browser can draw WebGL at all (asked once; the probe's context is given back). */
function webglAvailable(): boolean {
  if (webgl === null) {
    const probe = document.createElement('canvas');
    const context = probe.getContext('webgl2') ?? probe.getContext('webgl');
    webgl = context !== null;
    context?.getExtension('WEBGL_lose_context')?.loseContext();
  }
  return webgl;
}

/**
 * What makes the picture differ: the models and where accessories sit. Every snapshot re-signs the
 * URLs, so they are left out, or each snapshot would reload the stage.
 */
function stageKey(stage: ConcertStage): string {
  return JSON.stringify([stage.model.modelId, stage.accessories.map((a) => ({ ...a, model: a.model?.modelId ?? null }))]);
}

/**
 * The 3D stage: three.js is fetched the first time a stage is shown (not in the page's first bundle).
 * Each drawing gets a canvas of its own, so a drawing being torn down never touches the next one.
 */
export function StageView({ stage, label, onSockets }: { stage: ConcertStage; label: string; onSockets?: (names: string[]) => void }) {
  const key = stageKey(stage);
  const latest = useRef(stage);
  latest.current = stage;
  const socketsTo = useRef(onSockets);
  socketsTo.current = onSockets;
  const frame = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<State>(() => (webglAvailable() ? { kind: 'loading' } : { kind: 'no-webgl' }));

  useEffect(() => {
    if (!webglAvailable()) return;
    let alive = true;
    let scene: StageScene | null = null;
    const canvas = document.createElement('canvas');
    canvas.className = 'stage-canvas';
    canvas.dataset.testid = 'stage-canvas';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', label);
    frame.current!.append(canvas);
    setState({ kind: 'loading' });
    void import('../stage/scene')
      .then(({ mountStage }) => mountStage(canvas, latest.current))
      .then(
        (mounted) => {
          if (!alive) return mounted.dispose();
          scene = mounted;
          setState({ kind: 'ready', problems: mounted.problems });
          socketsTo.current?.(mounted.sockets);
        },
        () => alive && setState({ kind: 'failed' }),
      );
    return () => {
      alive = false;
      scene?.dispose();
      canvas.remove();
    };
  }, [key, label]);

  if (state.kind === 'no-webgl')
    return (
      <p className="muted" data-testid="stage-no-webgl">
        This browser cannot draw 3D (WebGL is off), so the stage is not shown.
      </p>
    );
  return (
    <div className="stage-view" data-testid="stage-view" data-state={state.kind}>
      <div className="stage-frame" ref={frame} />
      {state.kind === 'loading' && <p className="muted stage-status">Setting up the stage…</p>}
      {state.kind === 'failed' && (
        <p className="muted stage-status" role="alert">
          The stage model could not be loaded.
        </p>
      )}
      {state.kind === 'ready' && state.problems.length > 0 && (
        <ul className="stage-problems muted" data-testid="stage-problems">
          {state.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
