import type { AiPool } from '../../../ai/pool';
import { type ChatInput, type ChatMessage, type ChatOutput } from '../../../ai/pipelines/chat';
import { syllabify, fit, type LyricFacts, type LyricLine, type LyricSheet } from './writer';

/**
 * Jingle lyrics from an installed chat model (the `chat` worker task stories use), checked by code:
 * each line must fit its syllable target (one syllable, one note), the intro and chorus must sing
 * the business's name, and no line may carry a number (no invented prices, dates or phone numbers).
 * The outro keeps the writer's own lines, which read the real phone number digit by digit. Lines
 * that fail are asked for again, once; what still fails takes the seeded writer's line, and when
 * the model gave nothing usable the whole sheet is the seeded writer's.
 */

/** Asks the model; the workflow passes the AI pool's chat task, the unit tests a script. */
export type Ask = (messages: ChatMessage[]) => Promise<string>;

export function askPool(pool: AiPool, modelDir: string, signal: AbortSignal): Ask {
  return async (messages) => {
    const input: ChatInput = { modelDir, messages, maxNewTokens: 600, temperature: 0.7 };
    return (await pool.run<ChatOutput>('chat', input, { capability: 'text', signal })).output.text;
  };
}

/** The reply's `lines` array of strings, also when the model wrapped it in prose or a code fence. */
function linesIn(reply: string): string[] | null {
  const start = reply.indexOf('{');
  const end = reply.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  try {
    const parsed = JSON.parse(reply.slice(start, end + 1)) as { lines?: unknown };
    return Array.isArray(parsed.lines) ? parsed.lines.map((l) => (typeof l === 'string' ? l : '')) : null;
  } catch {
    return null;
  }
}

/** Why a line the model wrote cannot be sung here, or null when it can. */
export function lineProblem(text: string, line: LyricLine, name: string): string | null {
  const target = line.syllables.length;
  const count = syllabify(text).length;
  if (count === 0) return 'empty';
  if (count > target) return `${count} syllables, at most ${target}`;
  if (count < target - 2) return `${count} syllables, at least ${target - 2}`;
  if (/[0-9０-９]|[$€₩%]|[십백천만]\s?원|달러|퍼센트|dollars?|percent/i.test(text)) return 'numbers or prices the site did not give';
  if (/[{}\\<>]/.test(text)) return 'markup';
  if ((line.section === 'chorus' || line.section === 'intro') && !text.includes(name)) return `does not sing "${name}"`;
  return null;
}

function prompt(facts: LyricFacts, sheet: LyricSheet, which: number[]): ChatMessage[] {
  const ko = sheet.language === 'ko';
  const about = [
    `Business: ${facts.name}`,
    facts.category ? `Kind: ${facts.category}` : null,
    facts.description ? `About: ${facts.description}` : null,
    facts.hashtags.length ? `Keywords: ${facts.hashtags.join(', ')}` : null,
    `Mood: ${sheet.mood}`,
  ].filter(Boolean);
  const wanted = which.map((i) => {
    const l = sheet.lines[i]!;
    const name = l.section === 'chorus' || l.section === 'intro' ? `, must contain "${facts.name}"` : '';
    return `- ${l.section} line, exactly ${l.syllables.length} syllables${name}`;
  });
  return [
    {
      role: 'system',
      content:
        `You write short, catchy jingle lyrics (${ko ? '로고송, in Korean; one Hangul character is one syllable' : 'in English'}). ` +
        'Use only the facts given: no prices, numbers, dates or promises the business did not make. Answer with JSON only.',
    },
    {
      role: 'user',
      content: `${about.join('\n')}\n\nWrite ${which.length} lines:\n${wanted.join('\n')}\n\nAnswer as {"lines": ["...", ...]} in this order.`,
    },
  ];
}

/**
 * The model's sheet: the seeded one's form, targets and outro, with the intro, verse and chorus
 * lines the model wrote where they pass `lineProblem`. `engine` names the model, or the seeded
 * writer when no line of the model's was kept.
 */
export async function writeLyricsWithModel(
  facts: LyricFacts,
  seeded: LyricSheet,
  ask: Ask,
  modelName: string,
  signal?: AbortSignal,
): Promise<LyricSheet> {
  const name = facts.name.trim();
  const lines = [...seeded.lines];
  let open = lines.map((l, i) => (l.section === 'outro' ? -1 : i)).filter((i) => i >= 0);
  const kept = new Set<number>();
  for (let attempt = 0; attempt < 2 && open.length > 0; attempt++) {
    let reply: string[] | null;
    try {
      reply = linesIn(await ask(prompt(facts, seeded, open)));
    } catch {
      // A model that fails is a model that wrote nothing; a cancelled task is not.
      signal?.throwIfAborted();
      reply = null;
    }
    if (!reply) continue;
    const failing: number[] = [];
    open.forEach((index, k) => {
      const text = (reply[k] ?? '').replace(/\s+/g, ' ').trim();
      if (lineProblem(text, seeded.lines[index]!, name) !== null) return failing.push(index);
      const sung = fit(text, seeded.lines[index]!.syllables.length, seeded.language);
      lines[index] = { section: seeded.lines[index]!.section, text: sung.text, syllables: sung.syllables };
      kept.add(index);
    });
    open = failing;
  }
  if (kept.size === 0) return seeded;
  return { ...seeded, lines, engine: `chat model ${modelName} (transformers.js, on this machine)` };
}
