import { useEffect, useState } from 'react';
import type { ConcertReactionEvent } from '../../../../../src-shared/events';
import { useSocketEvent } from '../../../lib/socket';

/** How long a reaction stays on screen. */
const SHOWN_MS = 6000;
const MAX_SHOWN = 8;

/** Reactions of everyone in the room as they arrive (host and listeners see the same). */
export function ReactionsFeed({ roomId }: { roomId: string }) {
  const [shown, setShown] = useState<(ConcertReactionEvent & { key: number })[]>([]);
  useSocketEvent('concert:reaction', (reaction) => {
    if (reaction.roomId !== roomId) return;
    setShown((list) => [...list, { ...reaction, key: performance.now() + Math.random() }].slice(-MAX_SHOWN));
  });
  useEffect(() => {
    if (shown.length === 0) return;
    const timer = setTimeout(() => setShown((list) => list.slice(1)), SHOWN_MS);
    return () => clearTimeout(timer);
  }, [shown]);
  return (
    <ul className="reaction-feed" aria-live="polite" aria-label="Reactions" data-testid="reaction-feed">
      {shown.map((r) => (
        <li key={r.key} className="reaction-bubble">
          <span className="reaction-emoji" aria-hidden="true">
            {r.emoji}
          </span>
          <span className="muted">{r.name}</span>
          <span className="visually-hidden"> reacted {r.emoji}</span>
        </li>
      ))}
    </ul>
  );
}
