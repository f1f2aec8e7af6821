import { useEffect, useState } from 'react';
import { errorMessage } from '../../../api/client';
import { Alert, AudioPlayer, Button, useNamedAction } from '../../../components';
import { fetchWithToken, saveBlob, type Song, type SongExtras as Extras } from '../api';
import { Glyph } from './glyphs';

const fileTitle = (song: Song) => song.title.replace(/[\\/:*?"<>|]/g, '_');

/**
 * An AI song's stems, one player each, and its MP3 and MIDI as downloads. The extras need the
 * Bearer token, so each stem is fetched as a blob, and only once the stems are opened: a minute of
 * five WAV stems is tens of megabytes.
 */
export function SongExtras({ song, extras }: { song: Song; extras: Extras }) {
  const [open, setOpen] = useState(false);
  const [stems, setStems] = useState<Record<string, string>>({});
  const { busy, error, setError, run } = useNamedAction<'mp3' | 'midi'>();

  useEffect(() => {
    if (!open) return;
    let live = true;
    const urls: string[] = [];
    for (const stem of extras.stems) {
      fetchWithToken(stem.url).then(
        (blob) => {
          if (!live) return;
          const url = URL.createObjectURL(blob);
          urls.push(url);
          setStems((s) => ({ ...s, [stem.name]: url }));
        },
        (err) => live && setError(errorMessage(err)),
      );
    }
    return () => {
      live = false;
      urls.forEach((u) => URL.revokeObjectURL(u));
      setStems({});
    };
  }, [open, extras]);

  const download = (what: 'mp3' | 'midi', url: string, ext: string) =>
    run(what, async () => saveBlob(await fetchWithToken(url), `${fileTitle(song)}.${ext}`));

  return (
    <div className="song-extras" data-testid="song-extras">
      <div className="song-actions">
        {(
          [
            ['mp3', extras.mp3Url, 'mp3'],
            ['midi', extras.midiUrl, 'mid'],
          ] as const
        ).map(
          ([what, url, ext]) =>
            url && (
              <Button
                key={what}
                size="sm"
                variant="ghost"
                busy={busy === what}
                onClick={() => void download(what, url, ext)}
                data-testid={`extras-${what}`}
              >
                <Glyph name="download" />
                {what.toUpperCase()}
              </Button>
            ),
        )}
      </div>
      {extras.stems.length > 0 && (
        <details onToggle={(e) => setOpen(e.currentTarget.open)}>
          <summary>Stems ({extras.stems.length})</summary>
          <ul className="stem-list">
            {extras.stems.map((stem) => (
              <li key={stem.name} data-testid="stem">
                <span className="stem-name" id={`stem-${song.songId}-${stem.name}`}>
                  {stem.name}
                </span>
                {stems[stem.name] ? (
                  <AudioPlayer src={stems[stem.name]!} label={`the ${stem.name} stem of ${song.title}`} />
                ) : (
                  <span className="muted small">Loading…</span>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
      {error && <Alert tone="error">{error}</Alert>}
    </div>
  );
}
