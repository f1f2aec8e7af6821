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
