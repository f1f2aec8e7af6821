/**
 * Draws on a canvas at the screen's pixel density, again whenever its box changes size: `draw`
 * gets the 2D context, the size in device pixels and the ratio. Returns the effect's cleanup.
 */
export function drawFitted(
  el: HTMLCanvasElement,
  draw: (g: CanvasRenderingContext2D, width: number, height: number, ratio: number) => void,
): () => void {
  const redraw = () => {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(el.clientWidth * ratio));
    const height = Math.max(1, Math.round(el.clientHeight * ratio));
    if (el.width !== width) el.width = width;
    if (el.height !== height) el.height = height;
    const g = el.getContext('2d');
    if (g) draw(g, width, height, ratio);
  };
  redraw();
  const observer = new ResizeObserver(redraw);
  observer.observe(el);
  return () => observer.disconnect();
}
