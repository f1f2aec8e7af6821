import type { TrackService } from '../tracks/service';
import { errors, songNotFound } from '../errors';
import type { SongFields, SongRow, SongService } from './service';

/** What finishing a song is given: exactly one of an uploaded mix or the tracks to mix. */
export interface FinishSource {
  songFilePath?: string;
  trackIds?: number[];
  /** A cover GET /api/song/cover gave this account. */
  imageFilePath?: string;
}

/**
 * Finishing a song in a studio: saving an uploaded mix, or mixing the studio's ready tracks with
 * ffmpeg; and the checks a song made from another song needs.
 */
export class SongFinisher {
  constructor(
    private readonly songs: SongService,
    private readonly tracks: TrackService,
  ) {}

  /** The basic song an AI song was made from: one of this account's songs in this studio. */
  requireBasic(ownerId: string, studioId: number, basicSongId: number): SongRow {
    const basic = this.songs.get(basicSongId);
    if (!basic || basic.ownerId !== ownerId || basic.studioId !== studioId) throw songNotFound();
    return basic;
  }

  async finish(
    ownerId: string,
    studioId: number,
    source: FinishSource,
    described: Omit<SongFields, 'source' | 'coverKey'>,
  ): Promise<SongRow> {
    if ((source.songFilePath === undefined) === (source.trackIds === undefined)) {
      throw errors.error('VALIDATION_ERROR', 'Send exactly one of body.songFilePath and body.trackIds');
    }
    const coverKey = source.imageFilePath === undefined ? null : await this.songs.checkCover(ownerId, source.imageFilePath);
    const fields = { ...described, coverKey };
    if (source.songFilePath !== undefined) {
      return this.songs.saveUpload(ownerId, studioId, source.songFilePath, { ...fields, source: 'basic' }, 'songFilePath');
    }
    const ids = source.trackIds!;
    if (new Set(ids).size !== ids.length) throw errors.error('VALIDATION_ERROR', 'body.trackIds names a track more than once');
    const chosen = [];
    for (const id of ids) {
      const track = await this.tracks.settle(this.tracks.inStudio(studioId, id));
      if (track.status !== 'ready') throw errors.error('TRACK_NOT_READY', `Track ${id} has not finished uploading (${track.status})`);
      chosen.push(track);
    }
    const instruments = fields.instruments.length > 0 ? fields.instruments : [...new Set(chosen.map((t) => t.instrument))];
    return this.songs.saveMix(
      ownerId,
      studioId,
      chosen.map((t) => t.trackKey),
      { ...fields, instruments, source: 'mix' },
    );
  }
}
