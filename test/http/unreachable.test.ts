import { describe, expect, it } from 'vitest';
import { unreachableReason } from '../../src-server/http/unreachable';

/** What Node's fetch throws: "fetch failed", with the system error as its cause. */
const fetchFailed = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });

describe('why a download could not start, in words', () => {
  it('says an unknown host may mean no internet, never the raw ENOTFOUND', () => {
    const reason = unreachableReason(
      'https://huggingface.co/x/model.onnx',
      fetchFailed({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND huggingface.co' }),
    );
    expect(reason).toBe('huggingface.co could not be found: this computer may be offline, or the address has a typo');
    expect(reason).not.toMatch(/ENOTFOUND|getaddrinfo/);
  });

  it('names refused connections, time-outs and broken connections', () => {
    expect(unreachableReason('http://127.0.0.1:9/m.json', fetchFailed({ code: 'ECONNREFUSED' }))).toMatch(
      /^127\.0\.0\.1:9 refused the connection/,
    );
    expect(unreachableReason('https://a.example/m', Object.assign(new Error('t'), { name: 'TimeoutError' }))).toMatch(
      /did not answer in time/,
    );
    expect(unreachableReason('https://a.example/m', fetchFailed({ code: 'ECONNRESET' }))).toMatch(/broke off/);
  });
});
