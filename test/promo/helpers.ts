import type { FastifyInstance } from 'fastify';

export interface PromoUser {
  id: string;
  userId: string;
  cookie: string;
  /** Inject options that send the session cookie. */
  as: { cookies: Record<string, string> };
}

let n = 0;
/** Joins and signs in through the promo family's own routes, as its web client does. */
export async function joinPromo(app: FastifyInstance, name = '홍길동'): Promise<PromoUser> {
  n += 1;
  const userId = `promo${n}${Date.now() % 100000}`;
  const join = await app.inject({ method: 'POST', url: '/auth/join', payload: { user_id: userId, name, password: 'securepassword123' } });
  if (join.statusCode !== 201) throw new Error(`join failed: ${join.body}`);
  const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { user_id: userId, password: 'securepassword123' } });
  const cookie = login.cookies.find((c) => c.name === 'atelier_session')!.value;
  return { id: join.json().id, userId, cookie, as: { cookies: { atelier_session: cookie } } };
}

/** A café's facts as the jingle writer takes them: a name, a Seoul address, a phone number, hashtags. */
export const blueMoon = {
  name: '블루문',
  address: '서울특별시 강남구 역삼동 123-45',
  phoneNumber: '02-1234-5678',
  category: 'CafeOrCoffeeShop',
  hashtags: ['커피', '브런치'],
  description: null,
};
