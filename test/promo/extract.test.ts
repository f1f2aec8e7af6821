import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { extractPage, normalisePhone } from '../../src-server/families/promo/crawl/extract';

const base = new URL('https://bluemoon.example/');

describe('page extraction', () => {
  it('decodes an EUC-KR page from its meta charset and finds the Korean address and phone in the text', () => {
    const html = iconv.encode(
      '<html><head><meta charset="euc-kr"><title>미소치과</title></head><body>부산 해운대구 우동 1234-5 미소빌딩 TEL 051-987-6543</body></html>',
      'euc-kr',
    );
    const facts = extractPage(html, base);
    expect(facts).toMatchObject({ name: '미소치과', address: '부산 해운대구 우동 1234-5', phone: '051-987-6543', category: null });
  });

  it('falls back to OpenGraph and tel: links when there is no JSON-LD, and survives a broken JSON-LD block', () => {
    const html = Buffer.from(`<html><head><script type="application/ld+json">{ broken</script>
      <meta property="og:site_name" content="Green Florist"><meta property="og:image" content="https://cdn.example/a.jpg">
      <meta name="description" content="Fresh flowers"></head><body><a href="tel:+82-31-555-0101">Call</a><img src="b.png"></body></html>`);
    const facts = extractPage(html, base);
    expect(facts).toMatchObject({
      name: 'Green Florist',
      description: 'Fresh flowers',
      phone: '031-555-0101',
      images: ['https://cdn.example/a.jpg', 'https://bluemoon.example/b.png'],
    });
  });

  it('writes phone numbers the Korean way', () => {
    expect(normalisePhone('+82 2 1234 5678')).toBe('02-1234-5678');
    expect(normalisePhone('01012345678')).toBe('010-1234-5678');
    expect(normalisePhone('15881234')).toBe('1588-1234');
  });
});
