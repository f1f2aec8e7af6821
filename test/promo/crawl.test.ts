import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkTarget,
  guardedGet,
  publicOrLoopback,
  publicUnicastOnly,
  FetchRefusedError,
} from '../../src-server/families/promo/crawl/guard';
import { loadConfig } from '../../src-server/config';
import { crawlBusiness, type CrawlPolicy } from '../../src-server/families/promo/crawl/crawl';
import { allowTestSite, startSite, type TestSite } from './site';

let site: TestSite;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site.close();
});

const policy: CrawlPolicy = {
  allow: allowTestSite,
  maxExtraPages: 3,
  htmlMaxBytes: 1024 * 1024,
  imageMaxBytes: 5 * 1024 * 1024,
  timeoutMs: 5000,
};
const signal = new AbortController().signal;

describe('the guarded fetch', () => {
  it('public unicast only: refuses loopback, private, link-local, CGNAT, multicast and IPv4-mapped private addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '::1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '224.0.0.1',
      '0.0.0.0',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'fe80::1',
      'fc00::1',
    ]) {
      expect(publicUnicastOnly(ip), ip).toBe(false);
    }
    for (const ip of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:93.184.216.34'])
      expect(publicUnicastOnly(ip), ip).toBe(true);
  });

  it('checks scheme, credentials and literal IPs before any connection', () => {
    expect(checkTarget('file:///etc/passwd')).toMatchObject({ ok: false });
    expect(checkTarget('http://a:b@shop.example/')).toMatchObject({ ok: false });
    expect(checkTarget('http://[::ffff:7f00:1]/')).toMatchObject({ ok: false });
    expect(checkTarget('http://127.0.0.1:8000/')).toMatchObject({ ok: false });
    expect(checkTarget('https://shop.example/')).toMatchObject({ ok: true });
  });

  it('refuses the local site under the default rule, by literal IP and by a name resolving to loopback', async () => {
    await expect(guardedGet(`${site.origin}/`, { allow: publicUnicastOnly })).rejects.toThrow(FetchRefusedError);
    await expect(guardedGet(`http://localhost:${site.port}/`, { allow: publicUnicastOnly })).rejects.toThrow(/private or local/);
    expect(site.hits).toEqual([]);
  });

  it('reaches the site the rule admits, but not a redirect into another local address, a redirect loop or a big body', async () => {
    const page = await guardedGet(`${site.origin}/`, { allow: allowTestSite });
    expect(page.status).toBe(200);
    await expect(guardedGet(`${site.origin}/redirect-out`, { allow: allowTestSite })).rejects.toThrow(/private or local/);
    await expect(guardedGet(`${site.origin}/loop/0`, { allow: allowTestSite })).rejects.toThrow(/redirected more than 5 times/);
    expect(site.hits.filter((h) => h.startsWith('/loop/'))).toHaveLength(6);
    await expect(guardedGet(`${site.origin}/big`, { allow: allowTestSite, maxBytes: 1024 * 1024 })).rejects.toThrow(/larger than 1024 kB/);
  });
});

describe('the crawl', () => {
  it('reads JSON-LD first, then OpenGraph and meta, follows about (EUC-KR) but not what robots.txt forbids', async () => {
    site.hits.length = 0;
    const facts = await crawlBusiness(`${site.origin}/`, policy, signal);
    expect(facts).toMatchObject({
      name: '카페 블루문',
      address: '서울특별시 강남구 역삼동 123-45',
      phoneNumber: '02-1234-5678',
      description: '아늑한 분위기의 카페 블루문을 소개합니다',
      category: 'CafeOrCoffeeShop',
      hours: 'Mo,Tu 09:00-21:00',
      hashtags: ['카페', '브런치', '디저트'],
      logoUrl: `${site.origin}/img/icon.jpg`,
      colors: ['#1e3a8a'],
    });
    expect(facts.images).toEqual([
      `${site.origin}/img/latte.jpg`,
      `${site.origin}/img/terrace.jpg`,
      `${site.origin}/img/icon.jpg`,
      `${site.origin}/img/latte-big.jpg`,
    ]);
    expect(site.hits).toContain('/about');
    expect(site.hits).toContain('/robots.txt');
    expect(site.hits).not.toContain('/menu');
  });

  it('fails with a reason the user can act on', async () => {
    await expect(crawlBusiness(`${site.origin}/missing`, policy, signal)).rejects.toThrow(/answered HTTP 404; check the address/);
    await expect(crawlBusiness(`${site.origin}/not-html`, policy, signal)).rejects.toThrow(/is not a web page \(application\/pdf\)/);
    await expect(crawlBusiness(`${site.origin}/`, { ...policy, allow: publicUnicastOnly }, signal)).rejects.toThrow(
      /only public sites are crawled/,
    );
  });
});

describe('the development loopback switch', () => {
  it('is off unless ATELIER_DEV_PROMO names it, and then admits loopback only, never the LAN', () => {
    expect(loadConfig({}).promoDev).toEqual({ loopbackCrawl: false, quickRender: false });
    expect(loadConfig({ ATELIER_DEV_PROMO: 'loopback-crawl, quick-render' }).promoDev).toEqual({ loopbackCrawl: true, quickRender: true });
    expect(() => loadConfig({ ATELIER_DEV_PROMO: 'lan' })).toThrow(/ATELIER_DEV_PROMO/);
    for (const ip of ['127.0.0.1', '127.8.9.1', '::1', '93.184.216.34']) expect(publicOrLoopback(ip), ip).toBe(true);
    for (const ip of ['192.168.0.10', '10.0.0.1', '172.16.0.1', '169.254.169.254', '::ffff:127.0.0.1', 'fd00::1', '0.0.0.0', '100.64.0.1'])
      expect(publicOrLoopback(ip), ip).toBe(false);
  });
});
