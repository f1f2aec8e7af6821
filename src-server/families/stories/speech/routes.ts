import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { MessageEnvelope } from '../../../http/envelopes';
import { multipartForm, readMultipart } from '../../../http/multipart';
import { currentUser } from '../../../plugins/app/auth';
import { storiesErrors } from '../errors';
import { errorResponses, ok, security, signedIn, tags } from '../http';
import type { SpeechTranscriber } from './transcriber';
import { Transcript } from '../../../../src-shared/api/stories';

/** A recording of a few seconds is far below this; it matches the socket's largest voice sample. */
export const RECORDING_MAX_BYTES = 10 * 1024 * 1024;

const TranscribeForm = Type.Object({
  audio: Type.String({ format: 'binary', description: 'The recording: WAV, WebM/Opus, MP3… (anything ffmpeg reads), at most 10 MiB' }),
  language: Type.Optional(Type.Union([Type.Literal('ko'), Type.Literal('en')], { description: 'Default ko' })),
});

/** POST /api/v1/stories/transcribe: the microphone button's speech to text; the audio is not kept. */
export async function speechRoutes(app: FamilyApp, transcriber: SpeechTranscriber): Promise<void> {
  app.post(
    '/api/v1/stories/transcribe',
    {
      onRequest: signedIn,
      ...multipartForm,
      schema: {
        tags,
        security,
        summary: 'Atelier: speech to text for the conversation (Whisper on this machine); the recording is deleted once transcribed',
        consumes: ['multipart/form-data'],
        body: TranscribeForm,
        response: { 200: MessageEnvelope(Transcript), ...errorResponses(413, 422, 503) },
      },
    },
    async (request, reply) => {
      currentUser(request);
      let audio: Buffer | null = null;
      const fields = await readMultipart(request, reply, {
        maxFileBytes: RECORDING_MAX_BYTES,
        notMultipart: () => storiesErrors.error('NO_FILE'),
        files: {
          audio: async (file) => {
            const chunks: Buffer[] = [];
            let size = 0;
            for await (const chunk of file as AsyncIterable<Buffer>) {
              size += chunk.length;
              if (size > RECORDING_MAX_BYTES) {
                reply.header('connection', 'close');
                throw storiesErrors.error('FILE_TOO_LARGE', `A recording may be at most ${RECORDING_MAX_BYTES} bytes`);
              }
              chunks.push(chunk);
            }
            audio = Buffer.concat(chunks);
          },
        },
      });
      if (!audio || (audio as Buffer).length === 0) throw storiesErrors.error('NO_FILE');
      const language = fields.language === 'en' ? 'en' : fields.language === undefined || fields.language === 'ko' ? 'ko' : null;
      if (!language) throw storiesErrors.error('VALIDATION_ERROR', 'language must be ko or en');
      return ok('Transcribed', await transcriber.transcribe(audio, language));
    },
  );
}
