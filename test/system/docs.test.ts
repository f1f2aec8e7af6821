import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDLE_HEALTH, makeTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('API documentation', () => {
  it('generates one OpenAPI document covering every family from the route schemas', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/api/login',
      '/api/users',
      '/auth/join',
      '/user/profile',
      '/api/v1/auth/token',
      '/api/auth/login',
      '/health/resource',
      '/api/v1/auth/register',
      '/api/v1/users/me',
      '/health',
      '/',
    ]) {
      expect(doc.paths, p).toHaveProperty([p]);
    }
    const register = doc.paths['/api/v1/auth/register'].post;
    expect(register.tags).toEqual(['canvas']);
    expect(register.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['email', 'password', 'name']));
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('serves Swagger UI at /docs and ReDoc at /redoc from local files', async () => {
    const docs = await t.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger-ui');
    const redoc = await t.app.inject({ url: '/redoc' });
    expect(redoc.body).toContain('spec-url="/openapi.json"');
    const bundle = await t.app.inject({ url: '/redoc/redoc.standalone.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
  });

  it("Swagger UI's files, its copy of the document and this server's own 404 for what it lacks", async () => {
    const css = await t.app.inject({ url: '/docs/static/swagger-ui.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toContain('.swagger-ui');
    expect((await t.app.inject({ url: '/docs/json' })).json()).toEqual((await t.app.inject({ url: '/openapi.json' })).json());
    const missing = await t.app.inject({ url: '/docs/static/nope.css' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error_code: 'NOT_FOUND', error_message: 'No route for GET /docs/static/nope.css' });
  });

  it('GET / answers API clients with JSON and sends browsers to the web UI', async () => {
    expect((await t.app.inject({ url: '/' })).json()).toEqual({ message: expect.any(String), version: '0.1.0', docs: '/docs' });
    const browser = await t.app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(browser.statusCode).toBe(302);
    expect(browser.headers.location).toBe('/app/');
  });

  it('health endpoints answer as their specs show', async () => {
    expect((await t.app.inject({ url: '/health' })).json()).toEqual(IDLE_HEALTH);
    expect((await t.app.inject({ url: '/health/resource' })).json()).toMatchObject({
      status: 'ok',
      redis: 'not_used',
      timestamp: expect.any(String),
    });
  });
});
