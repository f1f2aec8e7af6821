/**
 * Why a fetch to `url` failed, in words a person can act on: Node's fetch says only "fetch failed"
 * and keeps the reason (ENOTFOUND, ECONNREFUSED...) in `cause`.
 */
export function unreachableReason(url: string, err: unknown): string {
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // Not a URL: name it as given.
  }
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; name?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  if (e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT')
    return `${host} did not answer in time; check the internet connection and try again`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `${host} could not be found: this computer may be offline, or the address has a typo`;
  if (code === 'ECONNREFUSED') return `${host} refused the connection: nothing answers at that address`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `the connection to ${host} broke off; try again`;
  if (code?.startsWith('CERT_') || code?.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT')
    return `${host}'s security certificate is not trusted`;
  return `${host} could not be reached (${e.cause?.message ?? e.message ?? 'unknown error'})`;
}
