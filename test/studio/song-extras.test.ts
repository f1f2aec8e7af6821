import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Composer, ComposeInput } from '../../src-server/compose/composer';
import type { TestApp } from '../helpers/app';
import { errorOf, makeStudioSamples, putTo, storedFiles, type StudioSamples, type StudioUser, studioFixture } from './helpers';
import { fileFixture } from '../helpers/fixtures';

let samples: StudioSamples, t: TestApp, alice: StudioUser, bob: StudioUser, studioId: number;

const MIDI = Buffer.concat([Buffer.from('MThd'), Buffer.from([0, 0, 0, 6, 0, 1, 0, 1, 0, 96])]);

/** Hands back the sample WAV as the song, with an MP3, a MIDI file and two stems beside it, as atelier-arranger does. */
class ExtrasComposer implements Composer {
  readonly name = 'test extras';
  async compose(input: ComposeInput) {
    const write = (name: string, bytes: Buffer) => {
      const file = path.join(input.workDir, name);
      fs.writeFileSync(file, bytes);
      return file;
    };
    return {
      file: write('song.wav', samples.wav),
      mp3: write('song.mp3', samples.mp3),
      midi: write('song.mid', MIDI),
      stems: [
        { name: 'drums', file: write('drums.wav', samples.wav) },
        { name: 'lead vox', file: write('lead.wav', samples.wav) },
      ],
    };
  }
}

fileFixture(makeStudioSamples, (made) => (samples = made));
const { as, anon } = studioFixture(
  (c) => ([t, alice, bob, studioId] = c),
  (app) => app.studioComposer.install(new ExtrasComposer()),
);

async function basicSong() {
  const ticket = (await as(alice).get('/api/song/basic/presignedUrl')).json().data;
  await putTo(t.app, ticket.basicSongPresignedUrl, samples.wav);
  const res = await as(alice).post(`/api/song/studios/${studioId}/basic/save`, {
    basicSongFilePath: ticket.basicSongFilePath,
    name: 'Hum',
  });
  return res.json().data.songId as number;
}

/** Composes the basic song through the queued job and answers the AI song as GET /api/song/ai lists it. */
async function aiSong() {
  const basicSongId = await basicSong();
  const jobId = (await as(alice).post(`/api/song/studios/${studioId}/ai`, { basicSongId })).json().data.jobId as string;
  for (let i = 0; i < 200; i++) {
    const job = t.app.jobs.get(jobId);
    if (job?.status === 'completed') break;
    if (job && ['failed', 'cancelled'].includes(job.status)) throw new Error(`compose job ${job.status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const [song] = (await as(alice).get(`/api/song/ai/${studioId}`)).json().data;
  return { song, basicSongId };
}

describe('an AI song’s extras', () => {
  it('are listed with the song: MP3, MIDI and one URL per stem; other songs have none', async () => {
    const { song, basicSongId } = await aiSong();
    const base = `/api/song/${song.songId}/extras`;
    expect(song.extras).toEqual({
      mp3Url: `${base}/song.mp3`,
      midiUrl: `${base}/song.mid`,
      stems: [
        { name: 'drums', url: `${base}/stems/drums.wav` },
        { name: 'lead_vox', url: `${base}/stems/lead_vox.wav` },
      ],
    });
    const all = (await as(alice).get('/api/song')).json().data;
    expect(all.find((s: { songId: number }) => s.songId === basicSongId).extras).toBeNull();
    expect(all.find((s: { songId: number }) => s.songId === song.songId).extras).toEqual(song.extras);
  });

  it('download with their content type and a name from the title; a stem answers a Range with 206', async () => {
    const { song } = await aiSong();
    const mp3 = await as(alice).get(song.extras.mp3Url);
    expect(mp3.statusCode).toBe(200);
    expect(mp3.headers['content-type']).toBe('audio/mpeg');
    expect(mp3.headers['content-disposition']).toContain('filename="Hum (AI).mp3"');
    expect(mp3.rawPayload.equals(samples.mp3)).toBe(true);

    const midi = await as(alice).get(song.extras.midiUrl);
    expect(midi.headers['content-type']).toBe('audio/midi');
    expect(midi.headers['content-disposition']).toContain('filename="Hum (AI).mid"');
    expect(midi.rawPayload.equals(MIDI)).toBe(true);

    const stem = await as(alice).get(song.extras.stems[0].url, { headers: { range: 'bytes=0-99' } });
    expect(stem.statusCode).toBe(206);
    expect(stem.headers['content-type']).toBe('audio/wav');
    expect(stem.headers['content-range']).toBe(`bytes 0-99/${samples.wav.length}`);
    expect(stem.headers['content-disposition']).toContain('filename="Hum (AI) - drums.wav"');
    expect(stem.rawPayload.equals(samples.wav.subarray(0, 100))).toBe(true);

    const head = await as(alice).head(song.extras.stems[1].url);
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(samples.wav.length));
    expect(head.rawPayload.length).toBe(0);
  });

  it('belong to their owner only: another account gets 403, no token 401', async () => {
    const { song } = await aiSong();
    const res = await as(bob).get(song.extras.stems[0].url);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorOf('FORBIDDEN'));
    expect((await anon().get(song.extras.mp3Url)).statusCode).toBe(401);
  });

  it('answer 404 for a file the song does not have, and for a song that does not exist', async () => {
    const { song, basicSongId } = await aiSong();
    for (const file of ['stems/flute.wav', 'song.wav', 'notes.txt', 'stems/drums.mp3', 'stems']) {
      const res = await as(alice).get(`/api/song/${song.songId}/extras/${file}`);
      expect(res.statusCode, file).toBe(404);
      expect(res.json(), file).toEqual(errorOf('FILE_NOT_FOUND', 'This song has no such file'));
    }
    // A song that is not an AI composition has no extras, even under the right names.
    expect((await as(alice).get(`/api/song/${basicSongId}/extras/song.mp3`)).json()).toEqual(errorOf('FILE_NOT_FOUND'));
    expect((await as(alice).get('/api/song/999/extras/song.mp3')).json()).toEqual(errorOf('SONG_NOT_FOUND', 'Song not found'));
  });

  it('refuse paths that leave the song’s folder', async () => {
    const { song, basicSongId } = await aiSong();
    const songs = `/api/song/${song.songId}/extras`;
    for (const file of [
      `..%2F..%2F${basicSongId}.wav`,
      '%2e%2e%2f%2e%2e%2fincoming',
      'stems%2F..%2F..%2Fsong.mp3',
      'stems/..%2Fsong.mp3',
      'stems/%2e%2e.wav',
      '%2Fetc%2Fpasswd',
      'song.mp3%00.wav',
    ]) {
      const res = await as(alice).get(`${songs}/${file}`);
      expect(res.statusCode, file).toBe(404);
      expect(res.json(), file).toEqual(errorOf('FILE_NOT_FOUND', 'This song has no such file'));
    }
  });

  it('go with the song when it is deleted', async () => {
    const { song } = await aiSong();
    const extras = () => storedFiles(t.dataDir, `studio/${alice.id}`).filter((f) => f.includes('/stems/') || /\.(mid|mp3)$/.test(f));
    expect(extras()).toHaveLength(4);
    expect((await as(alice).delete(`/api/song/download/${song.songId}`)).statusCode).toBe(200);
    expect(extras()).toEqual([]);
    expect((await as(alice).get(song.extras.mp3Url)).statusCode).toBe(404);
  });
});
