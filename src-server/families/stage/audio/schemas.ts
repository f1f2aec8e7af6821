import { Type, type Static } from 'typebox';
import { AudioFile } from '../../../../src-shared/api/stage';
import type { AudioRow } from './service';

export { AudioFile };

export const audioView = (r: AudioRow): Static<typeof AudioFile> => ({
  id: r.id,
  title: r.title,
  artist: r.artist,
  file_path: r.filePath,
  file_size: r.fileSize,
  duration: r.duration,
  format: r.format,
  created_at: r.createdAt,
  uploaded_by: r.uploaderSeq,
});

export const AudioList = Type.Object({ success: Type.Literal(true), count: Type.Integer(), audio_files: Type.Array(AudioFile) });

export const AUDIO_PAGE_DEFAULT = 100;
export const AUDIO_PAGE_MAX = 500;

/** The seed defines no paging; a library of thousands of songs needs one, so these two are ours. */
export const AudioListQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: AUDIO_PAGE_MAX, default: AUDIO_PAGE_DEFAULT, description: `Files per page, 1..${AUDIO_PAGE_MAX}` }),
  ),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Files to skip, newest first' })),
});

export const AudioPage = Type.Object({
  success: Type.Literal(true),
  count: Type.Integer({ description: 'Files in this page' }),
  total: Type.Integer({ description: 'Files in the whole library' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  next_offset: Type.Union([Type.Integer(), Type.Null()], { description: 'The `offset` of the next page; null on the last page' }),
  audio_files: Type.Array(AudioFile),
});

export const AudioOne = Type.Object({ success: Type.Literal(true), audio_file: AudioFile });

export const StreamInfo = Type.Object({
  success: Type.Literal(true),
  stream_url: Type.String({ description: '`/api/audio/file/<id>` on this server; send the same Bearer token' }),
  audio_file: Type.Object({ id: Type.Integer(), title: Type.String(), format: Type.String(), file_size: Type.Integer() }),
  storage_type: Type.Literal('local'),
});

export const Uploaded = Type.Object({ success: Type.Literal(true), message: Type.String(), audio_file: AudioFile });

/** Documents the multipart form; the handler reads and checks it part by part. */
export const UploadForm = Type.Object({
  audio: Type.String({ format: 'binary', description: 'AAC (ADTS), M4A, MP3 or WAV, at most 100 MB' }),
  title: Type.String({ maxLength: 200 }),
  artist: Type.Optional(Type.String({ maxLength: 200 })),
  duration: Type.Optional(Type.Number({ minimum: 0, description: 'Seconds; read from the file when absent' })),
});

export const SearchParams = Type.Object({ query: Type.String({ minLength: 1, maxLength: 200 }) });

export const MySongs = Type.Object({
  success: Type.Literal(true),
  songs: Type.Array(
    Type.Object({
      songId: Type.Integer({ description: "The studio family's song id" }),
      title: Type.String(),
      duration: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds' }),
      studioId: Type.Union([Type.Integer(), Type.Null()], { description: 'The studio it was made in; null once that studio is gone' }),
      audioId: Type.Union([Type.Integer(), Type.Null()], { description: 'Its library id once added, else null' }),
    }),
  ),
});
export const FromSongBody = Type.Object({
  songId: Type.Integer({ minimum: 1, description: "One of the caller's songs (GET /api/audio/my-songs)" }),
});
