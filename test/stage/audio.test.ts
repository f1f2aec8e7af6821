import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stageAudioFiles } from '../../src-server/db/schema';
import type { TestApp } from '../helpers/app';
import { requests } from '../helpers/inject';
import {
  deleteAccount,
  form,
  makeAudioSamples,
  stageUser,
  storedFiles,
  tempFiles,
  bigWavForm,
  type AudioSamples,
  type StageUser,
} from './helpers';
import { appFixture, fileFixture } from '../helpers/fixtures';

let samples: AudioSamples, t: TestApp, alice: StageUser, bob: StageUser;
fileFixture(makeAudioSamples, (made) => (samples = made));
appFixture(stageUser, ['Alice', 'Bob'], (c) => ([t, alice, bob] = c));
afterEach(() => vi.restoreAllMocks());

type Fields = Record<string, string>;
const upload = (
  user: StageUser,
  file: { content: Buffer; filename: string } | null,
  fields: Fields = { title: 'Tone' },
  fileFirst = true,
) => {
  const fieldParts = Object.entries(fields).map(([name, value]) => ({ name, value }));
  const fileParts = file ? [{ name: 'audio', filename: file.filename, content: file.content, type: 'audio/mpeg' }] : [];
  const { payload, headers } = form(fileFirst ? [...fileParts, ...fieldParts] : [...fieldParts, ...fileParts]);
  return t.app.inject({ method: 'POST', url: '/api/audio/upload', payload, headers: { ...headers, ...user.headers } });
};
const get = (url: string, user: StageUser, headers: Record<string, string> = {}) =>
  t.app.inject({ url, headers: { ...user.headers, ...headers } });
const nothingStored = async () => {
  expect(storedFiles(t.dataDir, 'audio')).toEqual([]);
  expect(tempFiles(t.dataDir)).toEqual([]);
  expect((await get('/api/audio/list', alice)).json().count).toBe(0);
};

describe('POST /api/audio/upload', () => {
  it.each([
    ['wav', 'audio/wav'],
    ['mp3', 'audio/mp3'],
    ['m4a', 'audio/mp4'],
    ['aac', 'audio/aac'],
  ] as const)('stores a real %s file, recognised by its content, and serves it as %s', async (format, contentType) => {
    // A misleading name: the bytes decide.
    const res = await upload(alice, { content: samples[format], filename: 'whatever.bin' }, { title: 'Tone', artist: 'Oscillator' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      success: true,
      message: 'Audio file uploaded successfully',
      audio_file: {
        id: expect.any(Number),
        title: 'Tone',
        artist: 'Oscillator',
        file_path: expect.stringMatching(new RegExp(`^audio/\\d{13}-[a-z0-9]{9}\\.${format}$`)),
        file_size: samples[format].length,
        duration: expect.any(Number),
        format,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        uploaded_by: alice.seq,
      },
    });
    expect(body.audio_file.duration).toBeGreaterThan(samples.seconds - 0.2);
    expect(body.audio_file.duration).toBeLessThan(samples.seconds + 0.2);
    const onDisk = path.join(t.dataDir, 'files', body.audio_file.file_path);
    expect(fs.readFileSync(onDisk).equals(samples[format])).toBe(true);
    expect(tempFiles(t.dataDir)).toEqual([]);
    const served = await get(`/api/audio/file/${body.audio_file.id}`, bob);
    expect(served.headers['content-type']).toBe(contentType);
    expect(served.rawPayload.equals(samples[format])).toBe(true);
  });

  it("keeps the client's duration and reads fields sent before the file", async () => {
    const res = await upload(alice, { content: samples.mp3, filename: 'a.mp3' }, { title: '  Spaced  ', duration: '180' }, false);
    expect(res.statusCode).toBe(201);
    expect(res.json().audio_file).toMatchObject({ title: 'Spaced', artist: null, duration: 180, format: 'mp3' });
  });

  it('NO_FILE without an audio part, and for a request that is not multipart', async () => {
    const res = await upload(alice, null, { title: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ success: false, error: 'NO_FILE', message: 'No audio file provided' });
    const json = await t.app.inject({ method: 'POST', url: '/api/audio/upload', headers: alice.headers, payload: { title: 'x' } });
    expect(json.statusCode).toBe(400);
    expect(json.json().error).toBe('NO_FILE');
    // A file under another field name is not the audio.
    const { payload, headers } = form([
      { name: 'file', filename: 'a.wav', content: samples.wav },
      { name: 'title', value: 'x' },
    ]);
    const wrongField = await t.app.inject({ method: 'POST', url: '/api/audio/upload', payload, headers: { ...headers, ...alice.headers } });
    expect(wrongField.json().error).toBe('NO_FILE');
    await nothingStored();
  });

  it('MISSING_TITLE leaves nothing on disk, whether the title is absent or blank', async () => {
    for (const fields of [{}, { title: '   ' }, { artist: 'A' }] as Fields[]) {
      const res = await upload(alice, { content: samples.wav, filename: 'a.wav' }, fields);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ success: false, error: 'MISSING_TITLE', message: 'Title is required' });
    }
    await nothingStored();
  });

  it('INVALID_FILE_TYPE for disguised files, leaving nothing on disk', async () => {
    const ogg = Buffer.from('OggS\0\x02' + 'x'.repeat(2000), 'latin1');
    const fakeSync = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x00]), Buffer.alloc(5000, 7)]);
    const video = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom', 'latin1'), Buffer.alloc(4000, 1)]);
    const cases: [string, Buffer][] = [
      ['notes.mp3', Buffer.from('this is a text file pretending to be an mp3\n'.repeat(50))],
      ['noise.mp3', Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 7919) % 251))],
      ['song.mp3', ogg],
      ['sync.mp3', fakeSync],
      ['clip.m4a', video],
      ['empty.wav', Buffer.alloc(0)],
      ['riff.wav', Buffer.from('RIFF\0\0\0\0WAVEdata', 'latin1')],
    ];
    for (const [filename, content] of cases) {
      const res = await upload(alice, { content, filename });
      expect(res.statusCode, filename).toBe(400);
      expect(res.json(), filename).toEqual({
        success: false,
        error: 'INVALID_FILE_TYPE',
        message: expect.stringContaining('AAC, M4A, MP3 and WAV'),
      });
    }
    await nothingStored();
  });

  it('INVALID_INPUT for a duration that is not a number', async () => {
    const res = await upload(alice, { content: samples.wav, filename: 'a.wav' }, { title: 'T', duration: 'long' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('INVALID_INPUT');
    await nothingStored();
  });

  it('refuses a file over 100 MB with 413 FILE_TOO_LARGE and keeps nothing, not even a temp file', async () => {
    const size = 100 * 1024 * 1024 + 1;
    const res = await requests(t.app)
      .as(alice)
      .post('/api/audio/upload', bigWavForm([{ name: 'title', value: 'Big' }], 'audio', size));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ success: false, error: 'FILE_TOO_LARGE', message: 'Audio files may be at most 100 MB' });
    await nothingStored();
  });

  it('UPLOAD_ERROR when the disk fails, and nothing is left', async () => {
    vi.spyOn(t.app.storage, 'put').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    const res = await upload(alice, { content: samples.wav, filename: 'a.wav' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ success: false, error: 'UPLOAD_ERROR', message: 'Failed to upload audio file' });
    await nothingStored();
  });
});

describe('reading the shared library', () => {
  let first: any;
  let second: any;
  beforeEach(async () => {
    first = (await upload(alice, { content: samples.mp3, filename: 'a.mp3' }, { title: 'Morning Song', artist: 'Lark' })).json().audio_file;
    second = (await upload(bob, { content: samples.wav, filename: 'b.wav' }, { title: '100% 저녁 노래', artist: 'Owl_Band' })).json()
      .audio_file;
  });

  it("lists every account's uploads to everyone, newest first", async () => {
    for (const user of [alice, bob]) {
      const res = await get('/api/audio/list', user);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        success: true,
        count: 2,
        total: 2,
        limit: 100,
        offset: 0,
        next_offset: null,
        audio_files: [second, first],
      });
    }
    expect(second.uploaded_by).toBe(bob.seq);
  });

  it('pages a large library with limit and offset, 100 a page unless asked', async () => {
    const rows = Array.from({ length: 248 }, (_, i) => ({
      title: `Song ${i}`,
      artist: null,
      filePath: `audio/bulk-${i}.mp3`,
      fileSize: 1000,
      duration: 1,
      format: 'mp3' as const,
      uploadedBy: alice.id,
      createdAt: new Date(0).toISOString(),
    }));
    t.app.db.insert(stageAudioFiles).values(rows).run();
    const first = (await get('/api/audio/list', bob)).json();
    expect(first).toMatchObject({ count: 100, total: 250, limit: 100, offset: 0, next_offset: 100 });
    expect(first.audio_files[0].title).toBe('Song 247');
    const seen: string[] = [];
    for (let offset: number | null = 0; offset !== null;) {
      const page: { audio_files: { title: string }[]; next_offset: number | null } = (
        await get(`/api/audio/list?limit=64&offset=${offset}`, bob)
      ).json();
      seen.push(...page.audio_files.map((f) => f.title));
      offset = page.next_offset;
    }
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen.slice(-2)).toEqual([second.title, 'Morning Song']);
    expect((await get('/api/audio/list?offset=400', bob)).json()).toMatchObject({
      count: 0,
      total: 250,
      next_offset: null,
      audio_files: [],
    });
    for (const query of ['limit=0', 'limit=501', 'offset=-1', 'limit=ten']) {
      const bad = await get(`/api/audio/list?${query}`, bob);
      expect(bad.statusCode, query).toBe(400);
      expect(bad.json(), query).toMatchObject({ success: false, error: 'INVALID_INPUT' });
    }
  });

  it('gets one file, AUDIO_NOT_FOUND for an unknown id, INVALID_ID for a malformed one', async () => {
    expect((await get(`/api/audio/${first.id}`, bob)).json()).toEqual({ success: true, audio_file: first });
    const missing = await get('/api/audio/999', alice);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ success: false, error: 'AUDIO_NOT_FOUND', message: 'Audio file not found' });
    const bad = await get('/api/audio/abc', alice);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ success: false, error: 'INVALID_ID', message: 'Invalid audio ID' });
  });

  it('searches titles and artists, case-insensitively, with % and _ taken literally', async () => {
    const search = async (q: string) => (await get(`/api/audio/search/${encodeURIComponent(q)}`, alice)).json();
    expect(await search('morning')).toEqual({ success: true, count: 1, audio_files: [first] });
    expect((await search('LARK')).audio_files).toEqual([first]);
    expect((await search('저녁')).audio_files).toEqual([second]);
    expect((await search('100%')).audio_files).toEqual([second]);
    expect((await search('l__k')).count).toBe(0);
    expect((await search('owl_')).audio_files).toEqual([second]);
    expect((await search('song')).count).toBe(1);
    expect(await search('nothing like it')).toEqual({ success: true, count: 0, audio_files: [] });
  });

  it('gives the local stream URL exactly as the spec shows', async () => {
    const res = await get(`/api/audio/stream/${first.id}`, bob);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      stream_url: `/api/audio/file/${first.id}`,
      audio_file: { id: first.id, title: 'Morning Song', format: 'mp3', file_size: samples.mp3.length },
      storage_type: 'local',
    });
    expect((await get('/api/audio/stream/424242', bob)).json().error).toBe('AUDIO_NOT_FOUND');
    expect((await get('/api/audio/stream/x', bob)).json().error).toBe('INVALID_ID');
  });

  it('FILE_NOT_FOUND when the row exists but its file is gone', async () => {
    fs.rmSync(path.join(t.dataDir, 'files', first.file_path));
    for (const url of [`/api/audio/stream/${first.id}`, `/api/audio/file/${first.id}`]) {
      const res = await get(url, alice);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ success: false, error: 'FILE_NOT_FOUND', message: 'Audio file not found on server' });
    }
  });

  it('streams the whole file with exact bytes and Accept-Ranges', async () => {
    const res = await get(`/api/audio/file/${first.id}`, bob);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(samples.mp3)).toBe(true);
    expect(res.headers).toMatchObject({
      'content-type': 'audio/mp3',
      'content-length': String(samples.mp3.length),
      'accept-ranges': 'bytes',
    });
    const wav = await get(`/api/audio/file/${second.id}`, alice);
    expect(wav.headers['content-type']).toBe('audio/wav');
    expect(wav.rawPayload.equals(samples.wav)).toBe(true);
  });

  it('answers a Range with 206 and exactly those bytes', async () => {
    const size = samples.mp3.length;
    const res = await get(`/api/audio/file/${first.id}`, alice, { range: 'bytes=0-1023' });
    expect(res.statusCode).toBe(206);
    expect(res.headers).toMatchObject({
      'content-range': `bytes 0-1023/${size}`,
      'content-length': '1024',
      'accept-ranges': 'bytes',
      'content-type': 'audio/mp3',
    });
    expect(res.rawPayload.equals(samples.mp3.subarray(0, 1024))).toBe(true);

    const middle = await get(`/api/audio/file/${first.id}`, alice, { range: 'bytes=100-199' });
    expect(middle.rawPayload.equals(samples.mp3.subarray(100, 200))).toBe(true);
    const open = await get(`/api/audio/file/${first.id}`, alice, { range: `bytes=${size - 10}-` });
    expect(open.headers['content-range']).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    expect(open.rawPayload.equals(samples.mp3.subarray(size - 10))).toBe(true);
    const suffix = await get(`/api/audio/file/${first.id}`, alice, { range: 'bytes=-500' });
    expect(suffix.statusCode).toBe(206);
    expect(suffix.rawPayload.equals(samples.mp3.subarray(size - 500))).toBe(true);
  });

  it('answers a range past the end with 416 and the file size', async () => {
    const size = samples.mp3.length;
    const res = await get(`/api/audio/file/${first.id}`, alice, { range: `bytes=${size}-` });
    expect(res.statusCode).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${size}`);
    expect(res.json()).toMatchObject({ success: false, error: 'RANGE_NOT_SATISFIABLE' });
  });

  it('answers HEAD with the headers only, and file errors in the stage format', async () => {
    const head = await t.app.inject({ method: 'HEAD', url: `/api/audio/file/${first.id}`, headers: alice.headers });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(samples.mp3.length));
    expect(head.rawPayload.length).toBe(0);
    expect((await get('/api/audio/file/9999', alice)).json().error).toBe('AUDIO_NOT_FOUND');
    expect((await get('/api/audio/file/0', alice)).json().error).toBe('INVALID_ID');
  });

  it('STREAMING_ERROR when the file cannot be read', async () => {
    vi.spyOn(t.app.storage, 'openRead').mockRejectedValue(Object.assign(new Error('EIO'), { code: 'EIO' }));
    const res = await get(`/api/audio/file/${first.id}`, alice);
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ success: false, error: 'STREAMING_ERROR', message: 'Failed to stream audio file' });
    vi.spyOn(t.app.storage, 'exists').mockRejectedValue(new Error('EIO'));
    expect((await get(`/api/audio/stream/${first.id}`, alice)).json().error).toBe('STREAMING_ERROR');
  });

  it('DATABASE_ERROR with the driver code when SQLite fails', async () => {
    t.app.db.$client.exec('ALTER TABLE stage_audio_files RENAME TO stage_audio_files_moved');
    for (const url of ['/api/audio/list', `/api/audio/${first.id}`, '/api/audio/search/song']) {
      const res = await get(url, alice);
      expect(res.statusCode, url).toBe(500);
      expect(res.json(), url).toEqual({ success: false, error: 'DATABASE_ERROR', message: 'Database error', code: 'SQLITE_ERROR' });
    }
    t.app.db.$client.exec('ALTER TABLE stage_audio_files_moved RENAME TO stage_audio_files');
  });

  it("a deleted account takes its uploads and their files with it; others' stay", async () => {
    await deleteAccount(t.app, alice);
    expect(storedFiles(t.dataDir, 'audio')).toEqual([path.basename(second.file_path)]);
    expect((await get('/api/audio/list', bob)).json()).toMatchObject({ success: true, count: 1, total: 1, audio_files: [second] });
  });
});
