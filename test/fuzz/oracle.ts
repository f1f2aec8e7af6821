import type { Operation } from './openapi';
import { ACCEPTED_AUTH, type Draft } from './requests';

export interface Outcome {
  status: number;
  body: string;
  contentType: string;
}

/** The family's error body, as API-MAP.md documents it. */
const ERROR_SHAPES: Record<string, (b: Record<string, unknown>) => boolean> = {
  studio: (b) => b.success === false && typeof (b.error as Record<string, unknown>)?.code === 'string',
  stories: (b) => b.success === false && typeof (b.error as Record<string, unknown>)?.code === 'string',
  canvas: (b) => b.success === false && typeof (b.error as Record<string, unknown>)?.code === 'string',
  system: (b) => b.success === false && typeof (b.error as Record<string, unknown>)?.code === 'string',
  stage: (b) => b.success === false && typeof b.error === 'string' && typeof b.message === 'string',
  // FastAPI's two shapes: the seed's {error_code, error_message}, and {detail} where the seed shows it (the video download).
  promo: (b) =>
    (typeof b.error_code === 'string' && typeof b.error_message === 'string') ||
    (typeof b.detail === 'string' && Object.keys(b).length === 1),
};

/**
 * Data every signed-in user sees by the spec: stage's shared audio library ("공용 음원 API") and its
 * concert rooms, which the listen server and every client list and join. Also the machine owner's
 * view of the shared job queue (loopback only, src-server/system/queue-routes.ts), which names whose
 * job waits: it shows the other user's jobs once they queue one (a catalog model install does).
 */
const SHARED_BY_DESIGN = /^\/api\/(audio|concert)\/|^\/system\/queue$/;

const STACK =
  /\n\s+at [^\n]+:\d+:\d+|at (?:async )?[\w$.<>]+ \((?:node:|file:|\/)[^)]*\)|\bTypeError: |\bReferenceError: |SqliteError|SQLITE_[A-Z]+/;

/**
 * What a response must never be, whatever was sent: a 5xx (bar a documented 503), a stack trace or a
 * path of this machine, an error outside the family's format, a forged identity accepted, the other
 * user's data. Returns the reasons it failed.
 */
export function judge(
  op: Operation,
  d: Draft,
  out: Outcome,
  ctx: { machinePaths: string[]; otherMarker: string; selfMarker: string; sent: string },
): string[] {
  const problems: string[] = [];
  if (out.status >= 500 && !(out.status === 503 && op.statuses.includes(503))) problems.push(`${out.status} server error`);
  const leakedStack = STACK.exec(out.body);
  if (leakedStack) problems.push(`stack trace or engine error in the body: ${JSON.stringify(leakedStack[0])}`);
  // Atelier's own settings pages answer only on loopback (plugins/app/lan.ts): they show the person
  // at the machine its folders on purpose.
  // The composing engines name their model files to the owner too; LAN peers get `<data folder>`
  // instead (test/system/lan-hardening.test.ts). The fuzz requests come from loopback, as the owner's do.
  const ownerSeesPaths = op.family === 'system' || op.key === 'GET /api/compose/engines';
  if (!ownerSeesPaths)
    for (const p of ctx.machinePaths) if (out.body.includes(p)) problems.push(`machine path ${JSON.stringify(p)} in the body`);
  // A health probe's 503 is its report; `..` in a path makes it another URL, owned by another family.
  const errorAnswer = out.status >= 400 && !(out.status === 503 && /health/.test(op.path));
  const movedUrl = Object.values(d.path).some((p) => p.raw && /\.\.|%2e/i.test(p.value));
  if (errorAnswer) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(out.body);
    } catch {
      parsed = undefined;
    }
    const shape = ERROR_SHAPES[op.family];
    const shapes = shape && !movedUrl ? [shape] : Object.values(ERROR_SHAPES);
    if (!parsed || typeof parsed !== 'object' || !shapes.some((s) => s(parsed as Record<string, unknown>))) {
      problems.push(`error body is not the ${op.family} family's format`);
    }
    if (!/^application\/json/.test(out.contentType)) problems.push(`error answered as ${out.contentType || 'no content type'}`);
  }
  if (op.secured && !ACCEPTED_AUTH.has(d.auth) && out.status < 300) problems.push(`identity "${d.auth}" accepted with ${out.status}`);
  if (!SHARED_BY_DESIGN.test(op.path)) {
    if (d.auth !== 'other' && out.body.includes(ctx.otherMarker)) problems.push(`the other user's data (${ctx.otherMarker}) in the body`);
    // The other user's token on the fuzzer's ids: the fuzzer's data must not come back unless the request carried it.
    if (d.auth === 'other' && !ctx.sent.includes(ctx.selfMarker) && out.body.includes(ctx.selfMarker))
      problems.push(`the fuzzer's data (${ctx.selfMarker}) answered to another user's token`);
  }
  return problems;
}
