import http from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import sharp from 'sharp';

/**
 * A small business site on 127.0.0.1 for the crawl: JSON-LD and OpenGraph on the home page, an
 * EUC-KR "about" page, a menu page robots.txt forbids, pictures of several sizes (one a
 * near-duplicate, one too small), and routes for the guard's refusals (redirects, a big body).
 */
export interface TestSite {
  origin: string;
  port: number;
  hits: string[];
  close(): Promise<void>;
}

/** Two layouts, so the pictures differ in shape and not only in colour (the duplicate check looks at shape). */
async function picture(
  width: number,
  height: number,
  hue: [number, number, number],
  stripe: [number, number, number],
  layout: 'cup' | 'stripes' = 'cup',
): Promise<Buffer> {
  const shapes =
    layout === 'cup'
      ? `<circle cx="${width * 0.35}" cy="${height * 0.45}" r="${Math.min(width, height) * 0.25}" fill="rgb(${stripe.join(',')})"/>
         <rect x="${width * 0.6}" y="${height * 0.1}" width="${width * 0.3}" height="${height * 0.8}" fill="white"/>`
      : [0, 1, 2]
          .map(
            (i) =>
              `<rect x="0" y="${height * (0.1 + 0.3 * i)}" width="${width}" height="${height * 0.12}" fill="rgb(${stripe.join(',')})"/>`,
          )
          .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="rgb(${hue.join(',')})"/>${shapes}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

/** `pictures: 'one'` leaves the terrace picture off the home page: the site then has a single usable picture. */
export async function startSite(opts: { redirectTo?: string; pictures?: 'all' | 'one' } = {}): Promise<TestSite> {
  const all = opts.pictures !== 'one';
  const images: Record<string, Buffer> = {
    '/img/latte.jpg': await picture(960, 720, [120, 80, 50], [240, 220, 200]),
    '/img/latte-big.jpg': await picture(1280, 960, [120, 80, 50], [240, 220, 200]),
    '/img/terrace.jpg': await picture(1080, 1080, [40, 90, 160], [200, 220, 250], 'stripes'),
    '/img/icon.jpg': await picture(300, 200, [10, 10, 10], [200, 0, 0]),
  };
  // Set once the server listens; the page builders read it when a request comes.
  let origin: string;
  const hits: string[] = [];
  const home = () => `<!doctype html><html lang="ko"><head><meta charset="utf-8">
<title>카페 블루문 | 역삼동 브런치 카페</title>
<meta property="og:title" content="카페 블루문">
<meta property="og:description" content="아늑한 분위기의 카페 블루문을 소개합니다">
${all ? '<meta property="og:image" content="/img/terrace.jpg">' : ''}
<meta name="keywords" content="카페, 브런치, 디저트">
<meta name="theme-color" content="#1e3a8a">
<script type="application/ld+json">${JSON.stringify({
    '@context': 'https://schema.org',
    '@type': 'CafeOrCoffeeShop',
    name: '카페 블루문',
    telephone: '+82-2-1234-5678',
    address: { '@type': 'PostalAddress', addressRegion: '서울특별시', addressLocality: '강남구', streetAddress: '역삼동 123-45' },
    openingHoursSpecification: [{ dayOfWeek: ['Monday', 'Tuesday'], opens: '09:00', closes: '21:00' }],
    image: ['/img/latte.jpg'],
    logo: '/img/icon.jpg',
  })}</script></head>
<body><h1>카페 블루문</h1>
<img src="/img/icon.jpg"><img srcset="/img/latte.jpg 960w, /img/latte-big.jpg 1280w">${all ? '<img src="/img/terrace.jpg">' : ''}
<a href="/about">소개</a> <a href="/menu">메뉴</a> <a href="https://elsewhere.example/about">about elsewhere</a>
</body></html>`;
  const about = iconv.encode(
    `<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr"><title>소개</title></head>
<body><p>오시는 길: 서울 강남구 역삼동 123-45 블루문빌딩 1층</p><p>문의 02-1234-5678</p></body></html>`,
    'euc-kr',
  );
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    hits.push(url);
    if (url === '/') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(home());
    if (url === '/about') return res.writeHead(200, { 'content-type': 'text/html' }).end(about);
    if (url === '/menu') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>menu</body></html>');
    if (url === '/robots.txt') return res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /menu\n');
    if (url === '/redirect-out') return res.writeHead(302, { location: opts.redirectTo ?? 'http://[::1]/' }).end();
    const loop = /^\/loop\/(\d+)$/.exec(url);
    if (loop) return res.writeHead(302, { location: `/loop/${Number(loop[1]) + 1}` }).end();
    if (url === '/big') return res.writeHead(200, { 'content-type': 'text/html' }).end(Buffer.alloc(3 * 1024 * 1024, 'a'));
    if (url === '/not-html') return res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF');
    const image = images[url];
    if (image) return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(image);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  // eslint-disable-next-line prefer-const -- assigned after the closures that read it are made
  origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The rule the tests inject: this loopback address plays the public internet, nothing else local does. */
export const allowTestSite = (ip: string) => ip === '127.0.0.1';
