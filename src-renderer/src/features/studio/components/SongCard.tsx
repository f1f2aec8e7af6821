import { QRCodeSVG } from 'qrcode.react';
import { useState, type ReactNode } from 'react';
import { Link } from '../../../app/router';
import { errorMessage } from '../../../api/client';
import { Alert, AudioPlayer, Button, Icon, showToast, undoable, useNamedAction } from '../../../components';
import { fetchSong, saveBlob, studioApi, type Share, type Song } from '../api';
import { PlayInBar } from '../../activity/components/PlayerBar';
import { useStudio } from '../store';
import { Glyph } from './glyphs';

const SOURCE = { ai: 'Composed with AI', mix: 'Mixed from tracks', basic: 'Voice take' } as const;

const duration = (s: number | null) => (s === null ? null : `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`);

/** A finished song: cover, player, download, share link, delete; `tile` stands the cover on top (the song cards), with `children` under the player. */
export function SongCard({
  song,
  onDeleted,
  layout = 'row',
  children,
}: {
  song: Song;
  onDeleted?: () => void;
  layout?: 'row' | 'tile';
  children?: ReactNode;
}) {
  const deleteSong = useStudio((s) => s.deleteSong);
  const [share, setShare] = useState<Share | null>(null);
  const [copied, setCopied] = useState<'yes' | 'refused' | null>(null);
  const { busy, error, run } = useNamedAction<'share' | 'download'>();
  const [leaving, setLeaving] = useState(false);

  const shareIt = () =>
    run('share', async () => {
      setShare(await studioApi.share(song.songId));
      setCopied(null);
    });

  // The clipboard may be refused (no focus, no permission); the link stays on screen, selected, either way.
  const copy = async (url: string) => {
    const done = await navigator.clipboard?.writeText(url).then(
      () => true,
      () => false,
    );
    setCopied(done ? 'yes' : 'refused');
  };

  const download = () =>
    run('download', async () => saveBlob(await fetchSong(song), `${song.title.replace(/[\\/:*?"<>|]/g, '_')}.${song.format}`));

  // Off the screen at once; deleted for real when the Undo toast runs out.
  const remove = () =>
    undoable({
      message: `Deleted “${song.title}”.`,
      hide: () => setLeaving(true),
      restore: () => setLeaving(false),
      commit: async () => {
        try {
          await deleteSong(song.songId);
          onDeleted?.();
        } catch (err) {
          setLeaving(false);
          showToast({ tone: 'error', message: `“${song.title}” was not deleted: ${errorMessage(err)}` });
        }
      },
    });

  const meta = [SOURCE[song.source], song.genre, song.mood, duration(song.duration)].filter(Boolean).join(' · ');
  if (leaving) return null;
  return (
    <article className={`song-card${layout === 'tile' ? ' song-tile' : ''}`} data-testid="song" aria-label={song.title}>
      <div className="song-cover">
        {song.imageUrl ? (
          <img src={song.imageUrl} alt={`Album cover of ${song.title}`} data-testid="song-cover" />
        ) : (
          <span className="song-cover-empty" aria-hidden="true">
            <Icon name="mic" size={28} />
          </span>
        )}
      </div>
      <div className="song-body">
        <div className="song-head">
          <h3 className="song-title">{song.title}</h3>
          {song.aiUsed && <span className="badge">AI</span>}
        </div>
        <p className="song-meta">{meta}</p>
        {song.instruments.length > 0 && <p className="song-meta">{song.instruments.join(', ')}</p>}
        <AudioPlayer src={song.songUrl} label={song.title} data-testid="song-audio" />
        {children}
        <div className="song-actions">
          <PlayInBar src={song.songUrl} title={song.title} subtitle={song.genre ?? undefined} href="/compose/songs" />
          <Button size="sm" onClick={() => void shareIt()} busy={busy === 'share'} data-testid="share-song">
            <Glyph name="share" />
            Share
          </Button>
          <Button size="sm" variant="ghost" onClick={() => void download()} busy={busy === 'download'}>
            <Glyph name="download" />
            Download
          </Button>
          <Button size="sm" variant="ghost" onClick={remove} title="Delete (you can undo for a few seconds)">
            <Glyph name="trash" />
            Delete
          </Button>
        </div>
        {share && (
          <div className="share-box" data-testid="share-box">
            <input
              className="input"
              readOnly
              value={share.shareUrl}
              aria-label="Public link"
              data-testid="share-url"
              onFocus={(e) => e.target.select()}
            />
            <Button size="sm" onClick={() => void copy(share.shareUrl)} data-testid="copy-share">
              {copied === 'yes' ? 'Copied' : 'Copy'}
            </Button>
            <a className="btn btn-secondary btn-sm" href={share.shareUrl} target="_blank" rel="noreferrer">
              <Icon name="external" size={14} />
              Open
            </a>
            {copied === 'refused' && <span className="muted">The browser refused the clipboard: select the link and copy it.</span>}
            {share.lan ? (
              <>
                <span className="muted" data-testid="share-reach">
                  Anyone on your network can listen with this link, no account needed, or scan the code with a phone.
                </span>
                <QRCodeSVG
                  value={share.shareUrl}
                  size={144}
                  marginSize={2}
                  title={`QR code for ${share.shareUrl}`}
                  data-testid="share-qr"
                />
              </>
            ) : (
              <span className="share-hint" data-testid="share-reach">
                This link opens on this computer only. To let others on your network listen,{' '}
                <Link to="/settings">turn on LAN sharing in Settings</Link>, then share again.
              </span>
            )}
          </div>
        )}
        {error && <Alert tone="error">{error}</Alert>}
      </div>
    </article>
  );
}
