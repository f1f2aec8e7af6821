import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../http/errors';
import type { Job, JobContext } from '../../../jobs/queue';
import { extractFrame, mergeVideo, probeH264Encoder, renderSlideshow } from '../../../media/promo-video';
import { probeMedia } from '../../../media/ffmpeg';
import type { CrawlPolicy } from '../crawl/crawl';
import type { ItemRow, ItemService } from '../items/service';
import { ownLyrics, writeLyrics, type Form, type LyricSheet } from '../lyrics/writer';
import { installedChatModel } from '../../../ai/pipelines/chat';
import { askPool, writeLyricsWithModel } from '../lyrics/chat-lyrics';
import { composeMelody } from '../song/melody';
import { renderSong } from '../song/render';
import { buildAss } from '../video/captions';
import { collectImages, cropToFrame } from '../video/images';
import { StageCache } from '../video/stage-cache';
import { scenePrompts, type ScenePainter } from '../video/scene-painter';
import { categoryOf } from '../lyrics/writer';
import type { PictureService } from '../pictures/service';
import type { Melody } from '../song/melody';
import { captionsKey, ownerPrefix, type VideoService } from '../videos/service';
import { ASPECTS, WORKFLOW_KIND, type StageFlag, type TaskService, type WorkflowPayload } from './service';

/** The crawler (cheerio, robots-parser and, through its guard, undici) is read on the first crawl, not at start-up (#15). */
let crawler: Promise<typeof import('../crawl/crawl')> | null = null;
const loadCrawler = () => (crawler ??= import('../crawl/crawl'));

/** How the workflow renders; tests shrink the frame and the song so a whole run takes seconds. */
export interface RenderProfile {
  /** Divides the aspect ratio's 1920/1080 sizes (1 = full HD). */
  sizeDivisor: number;
  fps: number;
  form: Form;
  minShortSide: number;
  maxImages: number;
}

export interface PromoOptions {
  crawl: CrawlPolicy;
  render: RenderProfile;
  /** Below `minimum` pictures from the site, the painter (the Image Studio's engine) adds scenes. */
  pictures: { minimum: number; painter: (tier: string) => ScenePainter };
}

export interface WorkflowResult {
  video_id: string;
  item_id: string;
  filename: string;
  /** Wall milliseconds from the job's start to the end of each stage (lyrics and images overlap). */
  timings: Partial<Record<StageFlag, number>>;
  /** Wall milliseconds each stage took on its own, from its start to its end. */
  stageMs: Partial<Record<StageFlag, number>>;
  /** Wall milliseconds of the H.264 encode of the picture track (null when the render cache supplied it). */
  encodeMs: number | null;
  /** The scenes the Image Studio's engine painted for this run, with the model and device that painted each. */
  painted: { scene: string; model: string; provider: string; steps: number; computeMs: number }[];
  /** Seconds of the finished video, for real-time factors. */
  duration_sec: number;
  /** Stages whose output came from the render cache: nothing they depend on changed since an earlier run. */
  reused: StageFlag[];
}

const CROSSFADE_SEC = 0.5;
const FONT_FILE = 'Pretendard-Bold.otf';

function fontPath(): string {
  return createRequire(import.meta.url).resolve(`pretendard/dist/public/static/${FONT_FILE}`);
}

/** The song depends on the notes, not the words sung on them: new lyrics on the same notes keep it. */
const notesOnly = (melody: Melody) => JSON.stringify(melody, (k, v: unknown) => (k === 'text' ? undefined : v));

/** A stage's failure: the task fails with the stage named and a reason the user can act on. */
const stageFailed = (stage: StageFlag, err: unknown) =>
  err instanceof AppError ? err : new AppError(422, `${stage.toUpperCase()}_FAILED`, `${stage}: ${(err as Error).message}`);

/** Filenames are what `GET /user/video/{filename}` serves: ASCII, unique, with the business in them. */
function videoFilename(item: ItemRow, id: string): string {
  const slug = new URL(item.url).hostname
    .replace(/^www\./, '')
    .replace(/[^a-z0-9]+/gi, '_')
    .slice(0, 40);
  return `${slug || 'promo'}_${id.slice(0, 8)}.mp4`;
}

/**
 * The six stages of the seed's workflow as one durable job: crawl → (lyrics → song) ∥ images →
 * video → merge. Each stage flips its flag when it ends. Work happens in a folder of the job's own
 * that goes away whatever happens; only the finished MP4 and thumbnail reach the file store, and
 * only together with their row. A restart runs the job again from the crawl (or the stored item).
 */
export function registerWorkflow(
  app: FastifyInstance,
  deps: { items: ItemService; tasks: TaskService; videos: VideoService; pictures: PictureService; options: () => PromoOptions },
) {
  const { items, tasks, videos, pictures: pictureStore } = deps;
  const cache = new StageCache(path.join(app.config.dataDir, 'cache', 'promo'));
  app.jobs.register<WorkflowPayload, WorkflowResult>(WORKFLOW_KIND, {
    lane: 'promo',
    maxAttempts: 2,
    handler: async (job: Job<WorkflowPayload, WorkflowResult>, { signal, progress }: JobContext) => {
      const { render, crawl, pictures: pictureRule } = deps.options();
      const task = tasks.row(job.id);
      if (!task || !job.ownerId) throw new AppError(404, 'TASK_001', 'The task row is gone');
      const userId = job.ownerId;
      const p = job.payload;
      const dir = path.join(app.config.dataDir, 'work', `promo-${job.id}`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      tasks.mark(job.id, { metadata: false, lyrics: false, songs: false, images: false, movies: false, combined: false });
      const t0 = performance.now();
      const timings: WorkflowResult['timings'] = {};
      const stageMs: WorkflowResult['stageMs'] = {};
      const began: Partial<Record<StageFlag, number>> = { metadata: t0 };
      const begin = (...flags: StageFlag[]) => flags.forEach((f) => (began[f] = performance.now()));
      const painted: WorkflowResult['painted'] = [];
      let encodeMs: number | null = null;
      const reused: StageFlag[] = [];
      const done = (flag: StageFlag, fraction: number) => {
        const now = performance.now();
        timings[flag] = Math.round(now - t0);
        stageMs[flag] = Math.round(now - began[flag]!);
        tasks.mark(job.id, { [flag]: true });
        progress(fraction, { stage: flag });
      };
      try {
        // 1. metadata: a re-run keeps the item it already made (and whatever the user edited there).
        progress(0.02, { stage: 'metadata', message: `Reading ${p.url}` });
        let item: ItemRow;
        try {
          item = task.itemId
            ? items.get(userId, task.itemId)
            : items.create(userId, await (await loadCrawler()).crawlBusiness(p.url, crawl, signal));
        } catch (err) {
          signal.throwIfAborted();
          throw stageFailed('metadata', err);
        }
        tasks.mark(job.id, { itemId: item.id });
        done('metadata', 0.1);

        const [baseW, baseH] = ASPECTS[p.aspect];
        const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));
        const width = even(baseW / render.sizeDivisor);
        const height = even(baseH / render.sizeDivisor);

        // 2+3 (lyrics, then the song) beside 4 (images).
        const songBranch = async () => {
          let sheet: LyricSheet;
          try {
            const facts = {
              name: item.name,
              address: item.address,
              phoneNumber: item.phoneNumber,
              category: item.category,
              hashtags: item.hashtags,
              description: item.description,
            };
            const seeded = writeLyrics(facts, { language: p.language, form: render.form, seed: p.seed, mood: p.mood });
            // The owner's own words first; else an installed chat model writes the lines it can, the seeded writer the rest.
            const model = installedChatModel(app.config.dataDir);
            sheet = p.lyrics
              ? ownLyrics(seeded, p.lyrics)
              : model
                ? await writeLyricsWithModel(facts, seeded, askPool(app.ai, model, branches.signal), path.basename(model), branches.signal)
                : seeded;
          } catch (err) {
            branches.signal.throwIfAborted();
            throw stageFailed('lyrics', err);
          }
          tasks.mark(job.id, { lyricsText: JSON.stringify(sheet) });
          done('lyrics', 0.15);
          begin('songs');
          try {
            const melody = composeMelody(sheet, { seed: p.seed, name: item.name });
            const songKey = StageCache.key('song-v1', notesOnly(melody), sheet.category, sheet.mood);
            const wav = path.join(dir, 'song.wav');
            const cached = cache.readJson<{ durationSec: number }>(songKey);
            let song: { wav: string; durationSec: number };
            if (cached && cache.fetch(songKey, 'wav', wav)) {
              song = { wav, durationSec: cached.durationSec };
              reused.push('songs');
            } else {
              song = await renderSong(melody, { category: sheet.category, mood: sheet.mood, dir, signal: branches.signal });
              cache.store(songKey, 'wav', song.wav);
              cache.writeJson(songKey, { durationSec: song.durationSec });
            }
            done('songs', 0.5);
            return { sheet, melody, song };
          } catch (err) {
            branches.signal.throwIfAborted();
            throw stageFailed('songs', err);
          }
        };
        const imageBranch = async () => {
          try {
            // The business's own list (the owner may have reordered or added to it); the site fills it the first time.
            let stored = items.get(userId, item.id).pictures;
            if (stored.length === 0) {
              const found = await collectImages(item.images, {
                policy: crawl,
                minShortSide: render.minShortSide,
                max: render.maxImages,
                signal: branches.signal,
              });
              for (const picture of found.pictures) stored = await pictureStore.add(userId, item.id, picture, 'site', render.minShortSide);
              // Too few of the site's own: the Image Studio paints scenes of this kind of business, when a model is installed.
              const painter = pictureRule.painter(app.auth.getUser(userId)?.tier ?? 'free');
              if (stored.length < pictureRule.minimum && painter.available()) {
                const scenes = scenePrompts(categoryOf(item), item.hashtags);
                for (let i = 0; stored.length < pictureRule.minimum && i < scenes.length; i++) {
                  const { jpeg, ...by } = await painter.paint(scenes[i]!, p.seed + i, branches.signal);
                  stored = await pictureStore.add(userId, item.id, jpeg, 'generated', render.minShortSide);
                  painted.push({ scene: scenes[i]!, ...by });
                }
              }
            }
            const files: string[] = [];
            const keys: string[] = [];
            let hits = 0;
            for (const [i, picture] of stored.slice(0, render.maxImages).entries()) {
              branches.signal.throwIfAborted();
              const name = `img-${String(i).padStart(2, '0')}.jpg`;
              const key = StageCache.key('crop-v1', picture.sha256, width, height);
              if (cache.fetch(key, 'jpg', path.join(dir, name))) hits += 1;
              else {
                await cropToFrame(await app.storage.get(picture.key), width, height, path.join(dir, name));
                cache.store(key, 'jpg', path.join(dir, name));
              }
              files.push(name);
              keys.push(key);
            }
            if (files.length > 0 && hits === files.length) reused.push('images');
            done('images', 0.3);
            return { files, keys };
          } catch (err) {
            branches.signal.throwIfAborted();
            throw stageFailed('images', err);
          }
        };
        // One branch failing stops the other, and both have ended before the work folder goes.
        const halt = new AbortController();
        const branches = { signal: AbortSignal.any([signal, halt.signal]) };
        const stopOthers = <T>(run: Promise<T>) =>
          run.catch((err: unknown) => {
            halt.abort(err);
            throw err;
          });
        begin('lyrics', 'images');
        const settled = await Promise.allSettled([stopOthers(songBranch()), stopOthers(imageBranch())]);
        signal.throwIfAborted();
        const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failure) throw halt.signal.aborted ? halt.signal.reason : failure.reason;
        const [{ sheet, melody, song }, pictures] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
          Awaited<ReturnType<typeof songBranch>>,
          Awaited<ReturnType<typeof imageBranch>>,
        ];

        // 5. movies: cuts on bar lines, spread over the pictures; captions timed to the song.
        begin('movies');
        progress(0.55, { stage: 'movies', message: `${pictures.files.length} pictures, ${song.durationSec.toFixed(1)} s` });
        const videoFile = 'picture.mp4';
        let encoder: Awaited<ReturnType<typeof probeH264Encoder>>['chosen'] = 'libx264';
        try {
          encoder = (await probeH264Encoder()).chosen;
          fs.mkdirSync(path.join(dir, 'fonts'), { recursive: true });
          fs.copyFileSync(fontPath(), path.join(dir, 'fonts', FONT_FILE));
          const brand = item.colors[0] ?? '#ffb400';
          const ass = buildAss(
            sheet,
            melody,
            {
              title: item.name,
              phone: item.phoneNumber,
              callToAction: p.language === 'ko' ? '지금 방문하세요!' : 'Visit us today!',
              brand,
            },
            { width, height, durationSec: song.durationSec, preset: p.captionStyle ?? 'classic' },
          );
          fs.writeFileSync(path.join(dir, 'captions.ass'), ass);
          const n = pictures.files.length;
          const bars = melody.barLines.filter((t) => t > CROSSFADE_SEC && t < song.durationSec - CROSSFADE_SEC);
          const cuts =
            n > 1
              ? Array.from({ length: n - 1 }, (_, i) => bars[Math.round(((i + 1) * bars.length) / n) - 1]!).filter(
                  (t, i, a) => t !== undefined && a.indexOf(t) === i,
                )
              : [];
          const shown = pictures.files.slice(0, cuts.length + 1);
          const movieKey = StageCache.key(
            'movie-v1',
            pictures.keys.slice(0, shown.length),
            cuts,
            song.durationSec,
            width,
            height,
            render.fps,
            brand,
            ass,
            encoder,
          );
          const encodeStart = performance.now();
          if (cache.fetch(movieKey, 'mp4', path.join(dir, videoFile))) reused.push('movies');
          else
            await renderSlideshow({
              dir,
              images: shown,
              cuts,
              durationSec: song.durationSec,
              width,
              height,
              fps: render.fps,
              transitionSec: CROSSFADE_SEC,
              background: brand,
              captions: 'captions.ass',
              fontsDir: 'fonts',
              output: videoFile,
              encoder,
              signal,
            }).then(() => {
              encodeMs = Math.round(performance.now() - encodeStart);
              cache.store(movieKey, 'mp4', path.join(dir, videoFile));
            });
        } catch (err) {
          signal.throwIfAborted();
          throw stageFailed('movies', err);
        }
        done('movies', 0.85);

        // 6. combined: the MP4, its thumbnail, then (only then) the stored files and the row.
        begin('combined');
        const videoId = crypto.randomUUID();
        const filename = videoFilename(item, videoId);
        const fileKey = `${ownerPrefix(userId)}/${videoId}.mp4`;
        const thumbnailKey = `${ownerPrefix(userId)}/${videoId}.jpg`;
        try {
          const final = path.join(dir, 'final.mp4');
          await mergeVideo({ dir, video: videoFile, audio: path.basename(song.wav), output: final, signal });
          const thumb = path.join(dir, 'thumb.jpg');
          await extractFrame({
            dir,
            video: 'final.mp4',
            atSec: Math.min(0.5, song.durationSec / 2),
            output: thumb,
            width: Math.min(640, width),
            signal,
          });
          const probe = await probeMedia(final);
          signal.throwIfAborted();
          await app.storage.put(fileKey, fs.createReadStream(final));
          await app.storage.put(thumbnailKey, fs.createReadStream(thumb));
          await app.storage.put(captionsKey(fileKey), fs.createReadStream(path.join(dir, 'captions.ass')));
          videos.insert({
            id: videoId,
            userId,
            itemId: item.id,
            taskId: job.id,
            title: p.language === 'ko' ? `${item.name} 홍보 영상` : `${item.name} promo video`,
            description: item.description,
            filename,
            fileKey,
            thumbnailKey,
            resolution: `${width}x${height}`,
            encoder,
            durationSec: probe.durationSeconds ?? song.durationSec,
            status: 'completed',
            createdAt: new Date(app.clock.now()).toISOString(),
          });
        } catch (err) {
          await app.storage.delete(fileKey).catch(() => false);
          await app.storage.delete(thumbnailKey).catch(() => false);
          await app.storage.delete(captionsKey(fileKey)).catch(() => false);
          signal.throwIfAborted();
          throw stageFailed('combined', err);
        }
        tasks.mark(job.id, { videoId });
        done('combined', 1);
        return {
          video_id: videoId,
          item_id: item.id,
          filename,
          timings,
          stageMs,
          encodeMs,
          painted,
          duration_sec: song.durationSec,
          reused,
        };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  });
}
