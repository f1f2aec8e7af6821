import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConcertSnapshot } from '../../src-shared/events';
import { makeTestApp, type TestApp } from '../helpers/app';
import { waitFor } from '../jobs/helpers';
import { connectSocket, listen, stageUser, type ClientSocket, type StageUser } from './helpers';

let t: TestApp;
let baseUrl: string;
let studio: StageUser;
let ann: StageUser;
const sockets: ClientSocket[] = [];

async function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...init.headers, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, any> };
}

async function createConcert(open = true): Promise<{ roomId: string; joinCode: string }> {
  const created = await api('/api/concert/create', {
    method: 'POST',
    headers: studio.headers,
    body: { concertName: 'Garden Party', maxAudience: 3 },
  });
  expect(created.status).toBe(200);
  const roomId = created.body.roomId as string;
  if (open) await api(`/api/concert/${roomId}/toggle-open`, { method: 'POST', headers: studio.headers, body: { isOpen: true } });
  const info = await api(`/api/concert/${roomId}/info`, { headers: studio.headers });
  return { roomId, joinCode: info.body.concert.joinCode };
}

const socketWith = (token: string) => connectSocket(baseUrl, token, sockets);

const admit = (roomId: string, displayName: string) => api(`/api/concert/${roomId}/guests`, { method: 'POST', body: { displayName } });

beforeAll(async () => {
  t = await makeTestApp();
  baseUrl = await listen(t.app);
  studio = await stageUser(t.app, 'Studio');
  ann = await stageUser(t.app, 'Ann');
});

afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});

afterAll(async () => {
  await t?.close();
});

describe('concert guests: a display name, no account', () => {
  it('names the concert by its short code, seats a guest by name, and frees the seat when the guest goes', async () => {
    const { roomId, joinCode } = await createConcert();
    expect(joinCode).toMatch(/^[A-HJ-KM-NP-Z2-9]{6}$/);
    const invite = await api(`/api/concert/invite/${joinCode.toLowerCase()}`);
    expect(invite.body).toEqual({
      success: true,
      invite: {
        roomId,
        concertName: 'Garden Party',
        studioName: 'Studio',
        isOpen: true,
        allowGuests: true,
        joinCode,
        currentAudience: 0,
        maxAudience: 3,
      },
    });
    expect((await api('/api/concert/invite/NOPE99')).body).toMatchObject({ success: false, error: 'CONCERT_NOT_FOUND' });

    const admitted = await admit(roomId, '  Dana  ');
    expect(admitted.status).toBe(201);
    expect(admitted.body).toMatchObject({ success: true, roomId, displayName: 'Dana', guestPass: expect.stringMatching(/^gp_/) });

    const host = await socketWith(studio.token);
    const seen: ConcertSnapshot[] = [];
    host.on('concert:state', (s) => seen.push(s));
    expect((await host.timeout(5000).emitWithAck('concert:join', { roomId })).ok).toBe(true);

    const guest = await socketWith(admitted.body.guestPass);
    const joined = await guest.timeout(5000).emitWithAck('concert:join', { roomId });
    expect(joined).toMatchObject({ ok: true, role: 'listener' });
    await waitFor(() => seen.some((s) => s.audience.some((a) => a.name === 'Dana')), 'the host to see Dana seated');
    expect((await api(`/api/concert/${roomId}/info`, { headers: studio.headers })).body.concert.currentAudience).toBe(1);

    // The pass is for this concert only.
    const other = await createConcert();
    expect(await guest.timeout(5000).emitWithAck('concert:join', { roomId: other.roomId })).toMatchObject({
      ok: false,
      code: 'JOIN_FAILED',
    });

    guest.disconnect();
    await waitFor(
      async () => (await api(`/api/concert/${roomId}/info`, { headers: studio.headers })).body.concert.currentAudience === 0,
      'the seat to free',
    );
  });

  it('grants no other API access: every signed-in operation refuses the pass', async () => {
    const { roomId } = await createConcert();
    const pass = (await admit(roomId, 'Eve')).body.guestPass as string;
    const doc = (await api('/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    let tried = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.security || operation.security.length === 0) continue;
        const url = path.replace(/\{[^}]+\}/g, (p) => (p === '{roomId}' ? roomId : '1'));
        const res = await fetch(`${baseUrl}${url}`, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${pass}`, cookie: `atelier_session=${pass}`, 'content-type': 'application/json' },
          body: ['get', 'head', 'delete'].includes(method) ? undefined : '{}',
        });
        await res.arrayBuffer();
        // Refused: as unsigned (401/403), for its body before the identity is looked at (400/422), or rate limited; never served.
        expect([400, 401, 403, 422, 429], `${method.toUpperCase()} ${path} answered ${res.status}`).toContain(res.status);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(100);
    // Nor is it a socket for anything but its concert: no job updates reach a guest's user room.
    const guest = await socketWith(pass);
    expect(t.app.realtime.io.sockets.sockets.get(guest.id!)?.data.guest).toMatchObject({ roomId, name: 'Eve' });
    expect(t.app.realtime.io.sockets.sockets.get(guest.id!)?.data.userId).toMatch(/^guest:/);
  });

  it('lets the host require accounts, and refuses guests at closed doors or a full room', async () => {
    const { roomId } = await createConcert();
    expect((await api(`/api/concert/${roomId}/guests`, { method: 'PUT', headers: ann.headers, body: { allowGuests: false } })).status).toBe(
      403,
    );
    const off = await api(`/api/concert/${roomId}/guests`, { method: 'PUT', headers: studio.headers, body: { allowGuests: false } });
    expect(off.body).toMatchObject({ success: true, allowGuests: false });
    const refused = await admit(roomId, 'Finn');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ success: false, error: 'GUESTS_NOT_ALLOWED' });
    expect((await api(`/api/concert/invite/${roomId}`)).body.invite.allowGuests).toBe(false);

    const closed = await createConcert(false);
    expect((await admit(closed.roomId, 'Gus')).body).toMatchObject({ success: false, error: 'JOIN_FAILED' });
    expect((await admit('concert_1_nothere', 'Gus')).status).toBe(404);
    for (const bad of ['', '   ', 'x'.repeat(41)]) expect((await admit(roomId, bad)).status).toBe(400);

    // Three seats: guests take them like members do.
    const full = await createConcert();
    for (const name of ['A', 'B', 'C']) {
      const guest = await socketWith((await admit(full.roomId, name)).body.guestPass);
      expect((await guest.timeout(5000).emitWithAck('concert:join', { roomId: full.roomId })).ok).toBe(true);
    }
    expect((await admit(full.roomId, 'D')).body).toMatchObject({ success: false, error: 'JOIN_FAILED', message: 'Concert is full' });
    // The studio takes a guest's seat away; the guest hears so.
    const roomState = (await api(`/api/concert/${full.roomId}/info`, { headers: studio.headers })).body.concert;
    expect(roomState.currentAudience).toBe(3);
    const last = sockets.at(-1)!;
    const ended = new Promise((resolve) => last.once('concert:ended', resolve));
    const guestNum = t.app.realtime.io.sockets.sockets.get(last.id!)!.data.guest!.seq;
    expect((await api(`/api/concert/${full.roomId}/guests/${guestNum}`, { method: 'DELETE', headers: ann.headers })).status).toBe(403);
    expect((await api(`/api/concert/${full.roomId}/guests/${guestNum}`, { method: 'DELETE', headers: studio.headers })).body).toEqual({
      success: true,
      message: 'Guest removed',
    });
    expect(await ended).toEqual({ roomId: full.roomId, reason: 'removed' });
    expect((await api(`/api/concert/${full.roomId}/info`, { headers: studio.headers })).body.concert.currentAudience).toBe(2);
    // A forged or stale pass opens no socket.
    await expect(socketWith('gp_forged')).rejects.toThrow();
  });
});

describe('the invite link unfurls', () => {
  it("carries the concert's name in Open Graph tags on the web UI's page, escaped, and nothing for other pages", async () => {
    const webRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-webroot-'));
    fs.writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><html><head><title>Atelier</title></head><body></body></html>');
    const app = await makeTestApp({ webRoot });
    try {
      const host = await stageUser(app.app, 'Host <3');
      const created = await app.app.inject({
        method: 'POST',
        url: '/api/concert/create',
        headers: host.headers,
        payload: { concertName: 'Songs & "Stories"' },
      });
      const roomId = created.json().roomId as string;
      const page = await app.app.inject({ url: `/app/concert/${roomId}`, headers: { accept: 'text/html' } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<title>Songs &amp; "Stories" · Atelier</title>');
      expect(page.body).toContain('<meta property="og:title" content="Songs &amp; &quot;Stories&quot;">');
      expect(page.body).toContain(
        '<meta property="og:description" content="A live concert by Host &lt;3 on Atelier. Join with just your name.">',
      );
      expect(page.body).toContain(`<meta property="og:url" content="http://localhost:80/app/concert/${roomId}">`);
      expect(page.body.match(/<title>/g)).toHaveLength(1);
      // Another page, or a room that does not exist, is the plain single page.
      for (const other of ['/app/concerts', '/app/concert/concert_1_none']) {
        const plain = await app.app.inject({ url: other });
        expect(plain.statusCode, other).toBe(200);
        expect(plain.body, other).not.toContain('og:title');
      }
    } finally {
      await app.close();
      fs.rmSync(webRoot, { recursive: true, force: true });
    }
  });
});
