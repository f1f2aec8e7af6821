import robotsParser from 'robots-parser';
import type { BusinessFacts } from '../items/service';
import { extractPage, mergeFacts, type PageFacts } from './extract';
import { FetchRefusedError, guardedGet, type AddressRule } from './guard';

/** What the crawl may fetch; tests inject an `allow` rule that admits their loopback site. */
export interface CrawlPolicy {
  allow: AddressRule;
  /** Same-origin pages read beyond the one given (about, menu, location). */
  maxExtraPages: number;
  htmlMaxBytes: number;
  imageMaxBytes: number;
  timeoutMs: number;
}

const BOT = 'AtelierPromoBot';

/** A crawl that found nothing usable: the message says what the user can do about it. */
export class CrawlError extends Error {
  readonly code = 'CRAWL_FAILED';
}

function charsetOf(contentType: string): string | undefined {
  return /charset=["']?([\w-]+)/i.exec(contentType)?.[1];
}

async function readPage(url: string, policy: CrawlPolicy, signal: AbortSignal): Promise<PageFacts> {
  const page = await guardedGet(url, {
    allow: policy.allow,
    maxBytes: policy.htmlMaxBytes,
    timeoutMs: policy.timeoutMs,
    signal,
    accept: 'text/html,application/xhtml+xml',
  });
  if (page.status >= 400) throw new CrawlError(`${page.url.href} answered HTTP ${page.status}; check the address`);
  if (!/html|xml/i.test(page.contentType) && page.contentType)
    throw new CrawlError(`${page.url.href} is not a web page (${page.contentType.split(';')[0]})`);
  return extractPage(page.body, page.url, charsetOf(page.contentType));
}

/**
 * Stage 1: the page the user gave (always), then a few same-origin pages robots.txt allows.
 * A page beyond the first that fails is skipped; the first failing fails the stage.
 */
export async function crawlBusiness(url: string, policy: CrawlPolicy, signal: AbortSignal): Promise<BusinessFacts> {
  let first: PageFacts;
  try {
    first = await readPage(url, policy, signal);
  } catch (err) {
    if (err instanceof FetchRefusedError) throw new CrawlError(err.message);
    throw err;
  }
  const pages = [first];
  if (first.links.length && policy.maxExtraPages > 0) {
    const origin = new URL(url).origin;
    let robots: ReturnType<typeof robotsParser>;
    try {
      const txt = await guardedGet(`${origin}/robots.txt`, {
        allow: policy.allow,
        maxBytes: 256 * 1024,
        timeoutMs: policy.timeoutMs,
        signal,
      });
      robots = robotsParser(`${origin}/robots.txt`, txt.status < 400 ? txt.body.toString('utf8') : '');
    } catch (err) {
      if (signal.aborted) throw err;
      robots = robotsParser(`${origin}/robots.txt`, '');
    }
    for (const link of first.links.slice(0, policy.maxExtraPages)) {
      if (robots.isAllowed(link, BOT) === false) continue;
      try {
        pages.push(await readPage(link, policy, signal));
      } catch (err) {
        if (signal.aborted) throw err;
      }
    }
  }
  const facts = mergeFacts(pages);
  if (!facts.name)
    throw new CrawlError('The page names no business (no JSON-LD, og:site_name or title); add the name by hand and try again');
  const hashtags = facts.keywords
    .map((k) => k.replace(/^#/, '').replace(/\s+/g, ''))
    .filter(Boolean)
    .slice(0, 8);
  return {
    name: facts.name.slice(0, 100),
    url,
    address: facts.address,
    phoneNumber: facts.phone,
    description: facts.description?.slice(0, 1000) ?? null,
    category: facts.category,
    hours: facts.hours,
    hashtags,
    logoUrl: facts.logo,
    colors: facts.colors,
    images: facts.images.slice(0, 30),
  };
}
