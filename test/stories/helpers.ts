import type { FastifyInstance } from 'fastify';
import { encodeWav } from '../../src-server/media/wav';
import { bearer } from '../helpers/app';

export interface StoryJson {
  id: string;
  status: string;
  title: string;
  engine: string | null;
  fail_code: string | null;
  fail_reason: string | null;
  chapters: {
    id: string;
    chapter_number: number;
    title: string;
    content: string;
    image: unknown;
    audio: { url: string; expiry_time: string } | null;
  }[];
}

export async function postStory(app: FastifyInstance, token: string, payload: object = {}) {
  return app.inject({ method: 'POST', url: '/api/v1/stories', headers: bearer(token), payload });
}

export async function getStory(app: FastifyInstance, token: string, id: string): Promise<StoryJson> {
  const res = await app.inject({ method: 'GET', url: `/api/v1/stories/${id}`, headers: bearer(token) });
  if (res.statusCode !== 200) throw new Error(`GET story: ${res.statusCode} ${res.body}`);
  return res.json().data as StoryJson;
}

/** Polls until `check` gives a value (the way a client polls), or fails after a few seconds. */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Polls the story as a client would until it is completed or failed. */
export async function settled(app: FastifyInstance, token: string, id: string): Promise<StoryJson> {
  return eventually(async () => {
    const story = await getStory(app, token, id);
    return story.status === 'completed' || story.status === 'failed' ? story : null;
  }, 'story settled');
}

/** A 16-bit mono WAV file of `samples` (floats, clamped to [-1, 1]). */
export const wavBytes = (samples: Float32Array, sampleRate = 16_000): Buffer => encodeWav(samples, sampleRate);
