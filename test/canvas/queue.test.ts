import { describe, expect, it } from 'vitest';
import { errorOf, generated, settled, txt2img, type CanvasTest, type CanvasUser, canvasFixture } from './helpers';

let t: CanvasTest;
let alice: CanvasUser;
let bob: CanvasUser;
const { as, anon } = canvasFixture(['Alice', 'Bob'], (c) => ([t, alice, bob] = c));

describe('queue', () => {
  it('shows queued jobs with their place, and cancelling one gives its held credits back', async () => {
    const hold = t.holdGpu();
    const bobs = (await as(bob).post('/api/v1/generate/text-to-image', txt2img)).json().data;
    const res = await as(alice).post('/api/v1/generate/text-to-image', { ...txt2img, width: 128, height: 128, steps: 50, batch_size: 4 });
    expect(res.statusCode).toBe(202);
    const queued = res.json().data;
    expect(queued.queue_position).toBe(2);
    // 50 steps × 0.016 MP × 4 images at the default 4 s a unit: 14 credits; Bob's 1 s ahead of it.
    expect(queued.estimated_credits).toBe(14);
    expect(queued.estimated_wait_seconds).toBe(15);

    const status = (await as(alice).get('/api/v1/queue/status')).json().data;
    expect(status).toEqual({
      active_jobs: 0,
      queued_jobs: 1,
      completed_today: 0,
      processing: [],
      queued: [{ job_id: queued.job_id, status: 'queued', position: 2, queued_at: expect.any(String) }],
    });
    let credits = (await as(alice).get('/api/v1/users/me/credits')).json().data;
    expect([credits.balance, credits.reserved, credits.available]).toEqual([500, 14, 486]);
    expect((await as(alice).get('/api/v1/users/me')).json().data.credits).toBe(500);

    const cancel = await as(alice).delete(`/api/v1/queue/items/${queued.job_id}`);
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json()).toEqual({ success: true, data: { job_id: queued.job_id, status: 'cancelled', credits_refunded: 14 } });
    credits = (await as(alice).get('/api/v1/users/me/credits')).json().data;
    expect([credits.balance, credits.reserved, credits.available]).toEqual([500, 0, 500]);
    const detail = (await as(alice).get(`/api/v1/queue/items/${queued.job_id}`)).json().data;
    expect(detail).toMatchObject({
      status: 'cancelled',
      credits_used: 0,
      estimated_credits: 14,
      result: null,
      error: { message: 'Cancelled by its owner' },
    });

    const again = await as(alice).delete(`/api/v1/queue/items/${queued.job_id}`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual(errorOf('JOB_ALREADY_FINISHED', { status: 'cancelled' }));

    hold.release();
    expect((await settled(t.app, bobs.job_id)).status).toBe('completed');
  });

  it('cancels a running job: it ends cancelled, nothing is charged and no image is kept', async () => {
    const res = await as(alice).post('/api/v1/generate/text-to-image', { ...txt2img, steps: 150, width: 128, height: 128, batch_size: 8 });
    const jobId = res.json().data.job_id;
    for (let i = 0; i < 400 && t.app.jobs.snapshot(jobId)!.status === 'queued'; i++) await new Promise((r) => setTimeout(r, 10));
    const status = (await as(alice).get('/api/v1/queue/status')).json().data;
    expect(status.active_jobs).toBe(1);
    expect(status.processing[0]).toMatchObject({ job_id: jobId, status: 'processing' });
    const cancel = await as(alice).delete(`/api/v1/queue/items/${jobId}`);
    expect(cancel.json().data).toMatchObject({ status: 'cancelled', credits_refunded: res.json().data.estimated_credits });
    await new Promise((r) => setTimeout(r, 300));
    expect(t.app.jobs.snapshot(jobId)!.status).toBe('cancelled');
    expect((await as(alice).get('/api/v1/images')).json().meta.total).toBe(0);
    const credits = (await as(alice).get('/api/v1/users/me/credits')).json().data;
    expect([credits.balance, credits.reserved]).toEqual([500, 0]);
  });

  it("lists items newest first with filters and pages, and counts today's completed jobs", async () => {
    const done = await generated(t, alice);
    const hold = t.holdGpu();
    const waiting = (await as(alice).post('/api/v1/generate/text-to-image', txt2img)).json().data;
    let list = (await as(alice).get('/api/v1/queue/items')).json();
    expect(list.meta).toEqual({ page: 1, per_page: 20, total: 2 });
    expect(list.data.map((i: { job_id: string }) => i.job_id)).toEqual([waiting.job_id, done.job_id]);
    expect(list.data[0]).toMatchObject({ status: 'queued', position: 1, progress: 0, result: null });
    list = (await as(alice).get('/api/v1/queue/items?status=completed')).json();
    expect(list.data.map((i: { job_id: string }) => i.job_id)).toEqual([done.job_id]);
    expect(list.data[0].result).toMatchObject({
      image_id: done.result.image_id,
      image_url: expect.stringMatching(/^http:\/\/localhost(:\d+)?\/files\//),
    });
    list = (await as(alice).get('/api/v1/queue/items?per_page=1&page=2')).json();
    expect(list.meta).toEqual({ page: 2, per_page: 1, total: 2 });
    expect(list.data[0].job_id).toBe(done.job_id);
    expect((await as(bob).get('/api/v1/queue/items')).json().meta.total).toBe(0);
    expect((await as(alice).get('/api/v1/queue/status')).json().data.completed_today).toBe(1);
    hold.release();
  });

  it('answers VALIDATION_ERROR, NOT_FOUND and FORBIDDEN as documented', async () => {
    const done = await generated(t, alice);
    let res = await as(alice).get('/api/v1/queue/items?status=paused');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(errorOf('VALIDATION_ERROR'));
    res = await as(alice).get('/api/v1/queue/items?per_page=101');
    expect(res.statusCode).toBe(400);
    // An id of another shape (the spec's own `job-001`) names no job: 404, as on the seed server.
    res = await as(alice).get('/api/v1/queue/items/not-a-uuid');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorOf('NOT_FOUND'));
    res = await as(alice).get('/api/v1/queue/items/00000000-0000-4000-8000-000000000000');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorOf('NOT_FOUND'));
    res = await as(bob).get(`/api/v1/queue/items/${done.job_id}`);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorOf('FORBIDDEN'));
    res = await as(bob).delete(`/api/v1/queue/items/${done.job_id}`);
    expect(res.statusCode).toBe(403);
    res = await as(alice).delete(`/api/v1/queue/items/${done.job_id}`);
    expect(res.statusCode).toBe(409);
    // Jobs of other features are not canvas queue items.
    const other = t.holdGpu();
    res = await as(alice).get(`/api/v1/queue/items/${other.jobId}`);
    expect(res.statusCode).toBe(404);
    other.release();
    res = await anon().get('/api/v1/queue/status');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(errorOf('UNAUTHORIZED'));
  });
});
