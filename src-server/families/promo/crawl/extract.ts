import { loadBuffer, type CheerioAPI } from 'cheerio';

/**
 * Business facts from one HTML page, most trusted source first: JSON-LD (LocalBusiness and its
 * subtypes), then OpenGraph and meta tags, then Korean phone and address patterns in the text.
 */

export interface PageFacts {
  name: string | null;
  description: string | null;
  address: string | null;
  phone: string | null;
  hours: string | null;
  /** schema.org type, or null when the page does not say. */
  category: string | null;
  keywords: string[];
  logo: string | null;
  colors: string[];
  images: string[];
  /** Same-origin pages worth a look (about, menu, location), absolute. */
  links: string[];
}

const BUSINESS_TYPES = new Set([
  'LocalBusiness',
  'Restaurant',
  'CafeOrCoffeeShop',
  'Bakery',
  'BarOrPub',
  'FoodEstablishment',
  'FastFoodRestaurant',
  'IceCreamShop',
  'Store',
  'ClothingStore',
  'FlowerShop',
  'BookStore',
  'GroceryStore',
  'ConvenienceStore',
  'ElectronicsStore',
  'FurnitureStore',
  'PetStore',
  'BeautySalon',
  'HairSalon',
  'NailSalon',
  'DaySpa',
  'HealthAndBeautyBusiness',
  'Dentist',
  'MedicalClinic',
  'Physician',
  'Pharmacy',
  'Hotel',
  'LodgingBusiness',
  'Motel',
  'SportsActivityLocation',
  'ExerciseGym',
  'AutoRepair',
  'ProfessionalService',
  'EducationalOrganization',
]);

const PHONE = /(?<!\d)(0\d{1,2}[-.\s)]\d{3,4}[-.\s]\d{4}|1[5-9]\d{2}-\d{4})(?!\d)/;
const PROVINCES =
  '서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|충청북도|충청남도|전북|전남|전라북도|전라남도|경북|경남|경상북도|경상남도|제주';
const ADDRESS = new RegExp(
  `(?:${PROVINCES})[가-힣]*\\s+[가-힣]+(?:시|군|구)(?:\\s+[가-힣]+(?:구|시|군))?\\s+[가-힣0-9]+(?:동|로|길|읍|면|가)(?:\\s*[0-9]+(?:-[0-9]+)?(?:번길\\s*[0-9]+)?)?`,
);
const LINK_WORDS = /about|menu|location|contact|intro|소개|메뉴|오시는|찾아오|위치|연락/i;
const HEX = /#(?:[0-9a-f]{6}|[0-9a-f]{3})\b/gi;

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim().replace(/\s+/g, ' ') : null);
const asArray = <T>(v: T | T[] | undefined | null): T[] => (v == null ? [] : Array.isArray(v) ? v : [v]);

function typesOf(node: Record<string, unknown>): string[] {
  return asArray(node['@type'] as string | string[]).map((t) => String(t).replace(/^https?:\/\/schema\.org\//, ''));
}

/** Every object in the page's JSON-LD blocks, @graph and nesting flattened; broken blocks skipped. */
function jsonLdNodes($: CheerioAPI): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      out.push(o);
      if (o['@graph']) walk(o['@graph']);
    }
  };
  $('script[type="application/ld+json"]').each((_, el) => {
    try {
      walk(JSON.parse($(el).text()));
    } catch {
      // A malformed block is the site's bug; the other sources still count.
    }
  });
  return out;
}

function postalAddress(v: unknown): string | null {
  if (typeof v === 'string') return text(v);
  if (!v || typeof v !== 'object') return null;
  const a = v as Record<string, unknown>;
  const parts = [a.addressRegion, a.addressLocality, a.streetAddress].map(text).filter((p): p is string => !!p);
  return parts.length ? parts.join(' ') : null;
}

function imageUrl(v: unknown): string | null {
  for (const item of asArray(v)) {
    if (typeof item === 'string') return item;
    if (item && typeof item === 'object') {
      const url = (item as Record<string, unknown>).url ?? (item as Record<string, unknown>).contentUrl;
      if (typeof url === 'string') return url;
    }
  }
  return null;
}

function hoursOf(node: Record<string, unknown>): string | null {
  const plain = asArray(node.openingHours as string | string[])
    .map(text)
    .filter(Boolean);
  if (plain.length) return plain.join(', ');
  const specs = asArray(node.openingHoursSpecification as Record<string, unknown>[]).flatMap((s) => {
    if (!s || typeof s !== 'object') return [];
    const days = asArray(s.dayOfWeek as string | string[]).map((d) =>
      String(d)
        .replace(/^https?:\/\/schema\.org\//, '')
        .slice(0, 2),
    );
    return s.opens && s.closes ? [`${days.join(',')} ${String(s.opens).slice(0, 5)}-${String(s.closes).slice(0, 5)}`] : [];
  });
  return specs.length ? specs.join(', ') : null;
}

/** The largest candidate of a srcset ("a.jpg 480w, b.jpg 1080w"), else its first entry. */
function bestFromSrcset(srcset: string): string | null {
  let best: { url: string; w: number } | null = null;
  for (const part of srcset.split(',')) {
    const [url, size] = part.trim().split(/\s+/);
    if (!url) continue;
    const w = size ? parseFloat(size) : 0;
    if (!best || w > best.w) best = { url, w };
  }
  return best?.url ?? null;
}

function absolute(base: URL, href: string | null | undefined): string | null {
  if (!href) return null;
  try {
    const u = new URL(href.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Reads one page. `charset` is the Content-Type's, when the server sent one; the page's own <meta> is sniffed too. */
export function extractPage(body: Buffer, pageUrl: URL, charset?: string): PageFacts {
  const $ = loadBuffer(body, { encoding: { transportLayerEncodingLabel: charset } });
  const meta = (key: string) => text($(`meta[property="${key}"]`).attr('content')) ?? text($(`meta[name="${key}"]`).attr('content'));

  const nodes = jsonLdNodes($);
  const biz = nodes.find((n) => typesOf(n).some((t) => BUSINESS_TYPES.has(t))) ?? nodes.find((n) => n.address && n.name && n.telephone);
  const bodyText = $('body').text().replace(/\s+/g, ' ');

  const images: string[] = [];
  const addImage = (href: string | null | undefined) => {
    const abs = absolute(pageUrl, href);
    if (abs && !images.includes(abs)) images.push(abs);
  };
  if (biz) asArray(biz.image).forEach((i) => addImage(imageUrl(i)));
  addImage(meta('og:image'));
  addImage(meta('twitter:image'));
  $('img').each((_, el) => {
    const img = $(el);
    addImage((img.attr('srcset') && bestFromSrcset(img.attr('srcset')!)) || img.attr('data-src') || img.attr('src'));
  });

  const colors: string[] = [];
  const addColor = (c: string | null) => {
    if (!c || !/^#[0-9a-f]{3,6}$/i.test(c)) return;
    const full = c.length === 4 ? `#${c[1]}${c[1]}${c[2]}${c[2]}${c[3]}${c[3]}` : c;
    if (!colors.includes(full.toLowerCase())) colors.push(full.toLowerCase());
  };
  addColor(meta('theme-color'));
  addColor(meta('msapplication-TileColor'));
  // Brand colours are usually the first custom properties or rules of the inline stylesheet.
  for (const c of $('style').text().match(HEX) ?? []) addColor(c);

  const links: string[] = [];
  $('a[href]').each((_, el) => {
    const a = $(el);
    const abs = absolute(pageUrl, a.attr('href'));
    if (!abs) return;
    const u = new URL(abs);
    u.hash = '';
    if (
      u.origin === pageUrl.origin &&
      u.href !== pageUrl.href &&
      (LINK_WORDS.test(u.pathname) || LINK_WORDS.test(a.text())) &&
      !links.includes(u.href)
    )
      links.push(u.href);
  });

  const telLink = $('a[href^="tel:"]').first().attr('href')?.slice(4) ?? null;
  const keywords = (meta('keywords') ?? '')
    .split(/[,#]/)
    .map((k) => k.trim())
    .filter(Boolean);
  const bizTypes = biz ? typesOf(biz).filter((t) => t !== 'LocalBusiness') : [];

  return {
    name: text(biz?.name) ?? meta('og:site_name') ?? meta('og:title') ?? text($('title').text()),
    description: text(biz?.description) ?? meta('og:description') ?? meta('description'),
    address: postalAddress(biz?.address) ?? bodyText.match(ADDRESS)?.[0] ?? null,
    phone: normalisePhone(text(biz?.telephone) ?? telLink ?? bodyText.match(PHONE)?.[1] ?? null),
    hours: biz ? hoursOf(biz) : null,
    category: bizTypes[0] ?? (biz ? 'LocalBusiness' : null),
    keywords: [...new Set([...keywords, ...asArray(biz?.servesCuisine as string | string[]).map(String)])].slice(0, 10),
    logo:
      absolute(pageUrl, imageUrl(biz?.logo)) ??
      absolute(pageUrl, $('link[rel="apple-touch-icon"]').attr('href')) ??
      absolute(pageUrl, $('link[rel~="icon"]').attr('href')),
    colors: colors.slice(0, 3),
    images,
    links: links.slice(0, 4),
  };
}

/** Korean numbers in their usual dashed form ("+82 2 1234 5678" → "02-1234-5678"). */
export function normalisePhone(raw: string | null): string | null {
  if (!raw) return null;
  let digits = raw.replace(/[^\d+]/g, '');
  if (digits.startsWith('+82')) digits = '0' + digits.slice(3);
  digits = digits.replace(/\D/g, '');
  if (/^1[5-9]\d{6}$/.test(digits)) return `${digits.slice(0, 4)}-${digits.slice(4)}`;
  if (/^02\d{7,8}$/.test(digits)) return `02-${digits.slice(2, digits.length - 4)}-${digits.slice(-4)}`;
  if (/^0\d{9,10}$/.test(digits)) return `${digits.slice(0, 3)}-${digits.slice(3, digits.length - 4)}-${digits.slice(-4)}`;
  return raw.trim();
}

/** The first page's facts win; later pages (about, location) fill what it lacked. */
export function mergeFacts(pages: PageFacts[]): PageFacts {
  const first = pages[0]!;
  const pick = <K extends keyof PageFacts>(k: K) =>
    pages.map((p) => p[k]).find((v) => v !== null && (!Array.isArray(v) || v.length > 0)) ?? first[k];
  return {
    name: pick('name'),
    description: pick('description'),
    address: pick('address'),
    phone: pick('phone'),
    hours: pick('hours'),
    category: pick('category'),
    keywords: [...new Set(pages.flatMap((p) => p.keywords))].slice(0, 10),
    logo: pick('logo'),
    colors: [...new Set(pages.flatMap((p) => p.colors))].slice(0, 3),
    images: [...new Set(pages.flatMap((p) => p.images))],
    links: first.links,
  };
}
