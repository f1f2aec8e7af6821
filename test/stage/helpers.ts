import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src-shared/events';
import { encodeAudio } from '../../src-server/media/ffmpeg';
import { wavHeader as pcmWavHeader } from '../../src-server/media/wav';
import { form, streamedForm } from '../helpers/bodies';
import { requests } from '../helpers/inject';
import { afterEach, vi } from 'vitest';
import { bearer, signUp, type TestApp } from '../helpers/app';
import { appFixture } from '../helpers/fixtures';

export interface StageUser {
  /** UUID. */
  id: string;
  /** Stage user number (`user.id` of the stage login). */
  seq: number;
  name: string;
  password: string;
  token: string;
  headers: Record<string, string>;
}

/** Signs up (canvas) and signs in through the stage login, as the Unreal client would. */
export async function stageUser(app: FastifyInstance, name?: string): Promise<StageUser> {
  const u = await signUp(app, { name });
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: u.password } });
  if (login.statusCode !== 200) throw new Error(`stage login failed: ${login.body}`);
  const body = login.json();
  return { id: u.id, seq: body.user.id, name: body.user.name, password: u.password, token: body.token, headers: bearer(body.token) };
}

export { form, type FormPart } from '../helpers/bodies';

/** Every file under `<dataDir>/files/<prefix>` (relative paths), and the store's temp folder. */
export function storedFiles(dataDir: string, prefix = ''): string[] {
  const root = path.join(dataDir, 'files', prefix);
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((name) => fs.statSync(path.join(root, name)).isFile()).sort();
}

export const tempFiles = (dataDir: string) => fs.readdirSync(path.join(dataDir, 'tmp'));

export interface AudioSamples {
  dir: string;
  wav: Buffer;
  mp3: Buffer;
  m4a: Buffer;
  aac: Buffer;
  seconds: number;
}

/** A 1.5 s tone encoded by the real ffmpeg in each accepted format. */
export async function makeAudioSamples(): Promise<AudioSamples> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-stage-audio-'));
  const sampleRate = 22050;
  const seconds = 1.5;
  const pcm = new Float32Array(sampleRate * seconds);
  for (let i = 0; i < pcm.length; i++) pcm[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / sampleRate);
  const out: Record<string, Buffer> = {};
  for (const ext of ['wav', 'mp3', 'm4a', 'aac']) {
    const file = path.join(dir, `tone.${ext}`);
    await encodeAudio(pcm, { sampleRate, channels: 1, output: file, bitrateKbps: 64 });
    out[ext] = fs.readFileSync(file);
  }
  return { dir, wav: out.wav!, mp3: out.mp3!, m4a: out.m4a!, aac: out.aac!, seconds };
}

/** A PCM WAV header for `dataBytes` of 16-bit mono samples at 8 kHz. */
/** How the stage login refuses each bad Authorization header: headers, status, code, message. */
export const STAGE_AUTH_REFUSALS: [Record<string, string>, number, string, string][] = [
  [{}, 403, 'NO_AUTH_HEADER', 'No authorization header provided'],
  [{ authorization: 'Token abc' }, 403, 'INVALID_AUTH_FORMAT', 'Authorization header must start with "Bearer "'],
  [{ authorization: 'Bearer ' }, 403, 'NO_TOKEN', 'No token provided'],
  [{ authorization: 'Bearer not.a.jwt' }, 401, 'INVALID_TOKEN', 'Invalid token'],
];

export const wavHeader = (dataBytes: number): Buffer => pcmWavHeader(dataBytes, 8000);

/** A form whose `file` part is a WAV of `size` bytes (a real header, then silence), streamed: for size limits. */
export const bigWavForm = (fields: { name: string; value: string }[], file: string, size: number) =>
  streamedForm(fields, { name: file, filename: 'big.wav', type: 'audio/wav', size, head: wavHeader(size - 44) });

export const accessory = (socketName = 'Head', z = 10) => ({
  socketName,
  relativeLocation: { x: 0, y: 0, z },
  relativeRotation: { pitch: 0, yaw: 90, roll: 0 },
  modelUrl: 'https://example.com/hat.fbx',
});

/** Deletes the account the way the studio family's client does. */
export async function deleteAccount(app: FastifyInstance, user: StageUser): Promise<void> {
  const res = await app.inject({ method: 'DELETE', url: '/api/users', headers: user.headers, payload: { password: user.password } });
  if (res.statusCode !== 200) throw new Error(`account deletion failed: ${res.body}`);
}

/** A 1 s, 8 kHz mono WAV whose samples follow `seed`, so each file's bytes differ. */
export function wavFile(seed: number): Buffer {
  const data = Buffer.alloc(16_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * seed + 7) % 251;
  return Buffer.concat([wavHeader(data.length), data]);
}

/** Puts a WAV in the shared audio library through `POST /api/audio/upload`; answers its audio id. */
export async function uploadWav(app: FastifyInstance, user: StageUser, title: string, seed = 1): Promise<number> {
  const body = form([
    { name: 'title', value: title },
    { name: 'audio', filename: `${title}.wav`, content: wavFile(seed), type: 'audio/wav' },
  ]);
  const res = await requests(app).as(user).post('/api/audio/upload', body);
  if (res.statusCode !== 201) throw new Error(`audio upload failed: ${res.body}`);
  return res.json().audio_file.id;
}

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Starts the app on a loopback port (socket.io clients need a real one); answers its base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** A connected socket.io client signed in with `token` (an access token or a guest pass), kept in `opened` for clean-up. */
export async function connectSocket(baseUrl: string, token: string, opened: ClientSocket[]): Promise<ClientSocket> {
  const socket: ClientSocket = connect(baseUrl, {
    path: '/socket.io/',
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token },
  });
  opened.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/**
 * The concert tests' cast, made once for the file: the studio account (which creates rooms and
 * runs their listen server), Ann and Ben, and two songs in the studio's audio library, handed to
 * `each` as `[t, studio, ann, ben, opening, encore]`. Mocks are restored after each test.
 */
export function concertFixture(
  each: (c: [TestApp, StageUser, StageUser, StageUser, number, number]) => unknown,
): ReturnType<typeof requests> {
  const calls = appFixture(
    stageUser,
    ['Studio User', 'Ann', 'Ben'],
    async ([t, studio, ann, ben]) => {
      const opening = await uploadWav(t.app, studio, 'Opening', 3);
      const encore = await uploadWav(t.app, studio, 'Encore', 5);
      each([t, studio, ann, ben, opening, encore]);
    },
    { scope: 'file' },
  );
  afterEach(() => vi.restoreAllMocks());
  return calls;
}
