import type { Arrangement, Clip, Lane } from '../../../../../src-shared/api/arrangement';

/**
 * Edits of an arrangement as pure functions: each answers the next document, which the view shows
 * at once and sends to the server as the next version (the server keeps the one before for undo).
 */

export type { Arrangement, Clip, Lane };

/** Shortest clip an edit leaves, seconds. */
export const MIN_CLIP = 0.05;

/** Seconds of one beat of the grid (a quarter note at 4/4, an eighth at 6/8). */
export const beatSeconds = (a: Pick<Arrangement, 'bpm' | 'beatUnit'>) => (60 / a.bpm) * (4 / a.beatUnit);
export const barSeconds = (a: Pick<Arrangement, 'bpm' | 'beatUnit' | 'beatsPerBar'>) => beatSeconds(a) * a.beatsPerBar;

/** The nearest beat when snapping is on; the time as it is otherwise. Never before 0. */
export const snapTime = (t: number, a: Arrangement, snap: boolean) => {
  const at = snap ? Math.round(t / beatSeconds(a)) * beatSeconds(a) : t;
  return Math.max(0, Math.round(at * 1e6) / 1e6);
};

/** "3.2" = bar 3, beat 2 (both from 1). */
export function barBeat(t: number, a: Arrangement): string {
  const beats = Math.floor(t / beatSeconds(a) + 1e-6);
  return `${Math.floor(beats / a.beatsPerBar) + 1}.${(beats % a.beatsPerBar) + 1}`;
}

let counter = 0;
/** A clip or lane id no other in the document has. */
export function newId(prefix: string, a: Arrangement): string {
  const used = new Set(a.lanes.flatMap((l) => [l.laneId, ...l.clips.map((c) => c.clipId)]));
  let id: string;
  do id = `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
  while (used.has(id));
  return id;
}

export function findClip(a: Arrangement, clipId: string): { lane: Lane; clip: Clip } | null {
  for (const lane of a.lanes) {
    const clip = lane.clips.find((c) => c.clipId === clipId);
    if (clip) return { lane, clip };
  }
  return null;
}

const mapClip = (a: Arrangement, clipId: string, change: (c: Clip, lane: Lane) => Clip[]): Arrangement => ({
  ...a,
  lanes: a.lanes.map((lane) => ({ ...lane, clips: lane.clips.flatMap((c) => (c.clipId === clipId ? change(c, lane) : [c])) })),
});

export const moveClip = (a: Arrangement, clipId: string, start: number) => mapClip(a, clipId, (c) => [{ ...c, start: Math.max(0, start) }]);

/**
 * Moves a clip's front or back edge to `at` on the timeline, within its take (0…`takeLength`) and
 * leaving at least MIN_CLIP. Trimming the front keeps the audio where it was: offset moves with it.
 */
export function trimClip(a: Arrangement, clipId: string, edge: 'start' | 'end', at: number, takeLength: number): Arrangement {
  return mapClip(a, clipId, (c) => {
    if (edge === 'end') {
      const end = Math.min(at, c.start - c.offset + takeLength);
      return [{ ...c, length: Math.max(MIN_CLIP, end - c.start) }];
    }
    const earliest = Math.max(0, c.start - c.offset);
    const start = Math.min(Math.max(at, earliest), c.start + c.length - MIN_CLIP);
    return [{ ...c, start, offset: c.offset + (start - c.start), length: c.length - (start - c.start) }];
  });
}

/** Cuts a clip in two at `at` (inside it); null when `at` is not inside by at least MIN_CLIP. */
export function splitClip(a: Arrangement, clipId: string, at: number): Arrangement | null {
  const found = findClip(a, clipId);
  if (!found) return null;
  const { clip } = found;
  const cut = at - clip.start;
  if (cut < MIN_CLIP || clip.length - cut < MIN_CLIP) return null;
  const second: Clip = { ...clip, clipId: newId('c', a), start: at, offset: clip.offset + cut, length: clip.length - cut };
  return mapClip(a, clipId, (c) => [{ ...c, length: cut }, second]);
}

/** A copy of the clip right after it on the same lane. */
export function duplicateClip(a: Arrangement, clipId: string): Arrangement {
  const id = newId('c', a);
  return mapClip(a, clipId, (c) => [c, { ...c, clipId: id, start: c.start + c.length }]);
}

export const deleteClip = (a: Arrangement, clipId: string) => mapClip(a, clipId, () => []);

export const changeLane = (a: Arrangement, laneId: string, change: Partial<Lane>): Arrangement => ({
  ...a,
  lanes: a.lanes.map((l) => (l.laneId === laneId ? { ...l, ...change } : l)),
});

/** Plays another take of the lane in the clip, keeping its place and trimming it to what that take has. */
export function switchTake(a: Arrangement, clipId: string, trackId: number, takeLength: number): Arrangement {
  return mapClip(a, clipId, (c) => {
    const offset = Math.min(c.offset, Math.max(0, takeLength - MIN_CLIP));
    return [{ ...c, trackId, offset, length: Math.max(MIN_CLIP, Math.min(c.length, takeLength - offset)) }];
  });
}

/** The parts of clips outside [from, to): what is left of a lane under a punch-in. */
function cutOut(clips: Clip[], from: number, to: number, a: Arrangement): Clip[] {
  return clips.flatMap((c) => {
    const end = c.start + c.length;
    if (end <= from || c.start >= to) return [c];
    const parts: Clip[] = [];
    if (c.start < from - MIN_CLIP / 2) parts.push({ ...c, length: from - c.start });
    if (end > to + MIN_CLIP / 2)
      parts.push({ ...c, clipId: parts.length ? newId('c', a) : c.clipId, start: to, offset: c.offset + (to - c.start), length: end - to });
    return parts;
  });
}

/**
 * A take punched in over [from, from + length) on `laneId`: it joins the lane's takes, its clip
 * replaces what the lane played there (the rest of the lane stays), and the lane the server gave
 * the new take on its own (it lists every take no lane names) goes.
 */
export function punchIn(a: Arrangement, laneId: string, trackId: number, from: number, length: number): Arrangement {
  const lanes = a.lanes
    .filter((l) => l.laneId === laneId || !(l.takes.length === 1 && l.takes[0] === trackId))
    .map((l) =>
      l.laneId !== laneId
        ? l
        : {
            ...l,
            takes: [...l.takes.filter((t) => t !== trackId), trackId],
            clips: [...cutOut(l.clips, from, from + length, a), { clipId: newId('c', a), trackId, start: from, offset: 0, length }].sort(
              (x, y) => x.start - y.start,
            ),
          },
    );
  return { ...a, lanes };
}
