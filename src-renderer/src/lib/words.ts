/** "1 credit", "2 credits": a count with its noun (English, regular plurals). */
export const count = (n: number, noun: string): string => `${n.toLocaleString()} ${noun}${n === 1 ? '' : 's'}`;
