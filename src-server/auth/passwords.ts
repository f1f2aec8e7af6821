import argon2 from 'argon2';

// OWASP's argon2id baseline (m=19 MiB, t=2, p=1): strong, yet quick enough for a 2-core laptop.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, OPTIONS);

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** Equalises timing when the account does not exist, so login does not reveal which handles are taken. */
let dummyHash: Promise<string> | null = null;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('atelier-timing-equaliser');
  await verifyPassword(await dummyHash, password);
}

/** At least 8 characters with a letter and a digit; the canvas family calls a failure WEAK_PASSWORD. */
export function passwordWeakness(password: string): string | null {
  if (password.length < 8) return 'Password must be at least 8 characters long';
  if (password.length > 256) return 'Password must be at most 256 characters long';
  if (!/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) return 'Password must contain a letter and a digit';
  return null;
}
