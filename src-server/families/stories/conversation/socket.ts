import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { identifyToken } from '../../../plugins/app/auth';
import { originAllowed } from '../../../realtime/server';
import type { ChatMessage, ChatOutput, ChatToken } from '../../../ai/pipelines/chat';
import { BuiltinPartner, type PartnerReply, type PartnerState } from '../engines/partner';
import { seedFrom } from '../engines/random';
import { checkText, mask } from '../engines/safety';
import type { StoryEngineSlot } from '../engines/slot';
import { detectLanguage } from '../engines/types';
import type { ConversationRow, ConversationStore } from './store';
import { checkVoiceSample, SAMPLES_FOR_CLONING, SPEECH_SECONDS_FOR_CLONING } from './voice';
import { centroid, cosine } from '../../../ai/pipelines/speaker';
import type { StorySettingsStore } from '../settings/store';
import { SAME_SPEAKER_SIMILARITY, type VoiceMatcher } from './voice-match';
import { CHATTERBOX_SAMPLE_RATE, encodeChatterboxVoice } from '../../../ai/pipelines/chatterbox';

/** The spec's WebSocket and the alias its own examples use. */
export const AUDIO_PATHS = new Set(['/wss/v1/audio', '/ws/v1/audio']);
/** JSON frames past this are refused with an error (the connection stays up). */
export const MAX_TEXT_FRAME = 64 * 1024;
/** Voice samples past this are refused with an error. */
export const MAX_SAMPLE_BYTES = 10 * 1024 * 1024;
/** Past this ws itself closes the connection (1009): nothing that large is read into memory. */
const MAX_FRAME = 16 * 1024 * 1024;
const MAX_TEXT_CHARS = 10_000;
/** Server pings this often; a client that missed a whole interval is gone. */
const HEARTBEAT_MS = 30_000;
/** Close code when the sign-in behind a socket ends (logout, deleted account). */
export const CLOSE_SIGNED_OUT = 4401;

export type SocketErrorCode =
  | 'INVALID_JSON'
  | 'VALIDATION_ERROR'
  | 'UNKNOWN_MESSAGE_TYPE'
  | 'FRAME_TOO_LARGE'
  | 'CONVERSATION_NOT_STARTED'
  | 'CONVERSATION_NOT_FOUND'
  | 'CONVERSATION_ENDED'
  | 'VOICE_CONSENT_REQUIRED'
  | 'CHILD_VOICE_NOT_ALLOWED'
  | 'AUDIO_DECODE_FAILED'
  | 'NOT_ENOUGH_SPEECH'
  | 'SAMPLE_CLIPPED'
  | 'VOICE_MODEL_MISSING'
  | 'SECOND_SPEAKER'
  | 'INVALID_TOKEN'
  | 'SERVER_ERROR';

const VOICE_MODEL_MISSING =
  'No voice model is installed: neither Chatterbox Multilingual (its four ONNX graphs and tokenizer.json in a folder of models/tts) to speak in your voice, nor a speaker-embedding model (a WeSpeaker/ECAPA ONNX in models/speaker) to find the closest preset voice. The samples were checked and discarded';
const NARRATION_MODEL_MISSING =
  'No narration model is installed (Supertonic 2 in models/tts), so there is no preset voice to match yours with; the samples were checked and discarded';

interface Session {
  ws: WebSocket;
  userId: string;
  sessionId: string;
  query: { childName: string | null; age: number | null };
  conversation: ConversationRow | null;
  consent: boolean;
  samples: number;
  voicedSeconds: number;
  missingModelSaid: boolean;
  /** Speaker embeddings of the accepted samples (never the audio): one adult's voice, matched at the end. */
  embeddings: Float32Array[];
  /** With Chatterbox installed: the accepted samples at 24 kHz, in memory only until the voice is encoded. */
  references: Float32Array[];
  alive: boolean;
  /** Voice samples are checked one at a time, in the order they came. */
  work: Promise<void>;
}

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ success: false, error: { code, message } });
  const reason = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function queryAge(text: string | null): number | null | 'bad' {
  if (text === null || text === '') return null;
  if (!/^\d{1,2}$/.test(text)) return 'bad';
  const age = Number(text);
  return age >= 1 && age <= 17 ? age : 'bad';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The conversation WebSocket (spec §7.1): a signed-in parent's app talks with the built-in partner,
 * turn by turn, each turn stored so a dropped client can resume; binary frames are voice samples.
 * The token (query `token` or a Bearer header) is checked before the upgrade: a bad one gets an
 * HTTP 401 in the stories error envelope and no socket.
 */
export function attachAudioSocket(
  app: FastifyInstance,
  conversations: ConversationStore,
  engines: StoryEngineSlot,
  voices: VoiceMatcher,
  settings: StorySettingsStore,
): { broadcast(userId: string, message: object): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  const partner = new BuiltinPartner();
  const sessions = new Set<Session>();

  const send = (s: Session, message: object) => {
    if (s.ws.readyState === s.ws.OPEN) s.ws.send(JSON.stringify(message));
  };
  const fail = (s: Session, code: SocketErrorCode, message: string) => send(s, { type: 'error', error_code: code, error_message: message });

  const partnerState = (c: ConversationRow): PartnerState => ({
    childName: c.childName,
    language: c.language,
    interests: c.interests,
    elements: c.elements,
    turn: c.turns.length,
    seed: seedFrom(c.id),
  });

  function start(s: Session, payload: unknown): void {
    const p = isRecord(payload) ? payload : {};
    const name = p.child_name ?? s.query.childName;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 50)
      return fail(s, 'VALIDATION_ERROR', 'payload.child_name (or the child_name query) must be 1-50 characters');
    const age = p.age ?? s.query.age;
    if (age !== null && (typeof age !== 'number' || !Number.isInteger(age) || age < 1 || age > 17))
      return fail(s, 'VALIDATION_ERROR', 'payload.age must be a whole number from 1 to 17');
    const interests = p.interests ?? [];
    if (!Array.isArray(interests) || interests.length > 10 || interests.some((i) => typeof i !== 'string' || i.length > 50)) {
      return fail(s, 'VALIDATION_ERROR', 'payload.interests must be at most 10 strings of up to 50 characters');
    }
    const language = p.language === 'ko' || p.language === 'en' ? p.language : detectLanguage(name, ...(interests as string[]));
    const conversation = conversations.create(s.userId, {
      childName: name.trim(),
      age: age as number | null,
      interests: interests as string[],
      language,
    });
    const greeting = partner.greet(partnerState(conversation));
    s.conversation = conversations.record(conversation.id, [{ role: 'partner', text: greeting.text }], greeting.elements);
    send(s, {
      type: 'conversation_started',
      conversation_id: conversation.id,
      child_name: conversation.childName,
      age: conversation.age,
      language,
      engine: partner.name,
    });
    send(s, {
      type: 'ai_response',
      text: greeting.text,
      audio_url: null,
      user_text: null,
      conversation_id: conversation.id,
      complete: greeting.complete,
      engine: partner.name,
    });
  }

  /**
   * The partner's words from an installed chat model, streamed to the client as `ai_response_delta`
   * while they are generated. The built-in partner still decides what is asked next and keeps the
   * answers; the model only says it. Text the safety check flags is dropped for the built-in reply.
   */
  async function modelSays(
    s: Session,
    c: ConversationRow,
    childText: string,
    planned: PartnerReply,
    modelDir: string,
  ): Promise<{ text: string; engine: string }> {
    const language = c.language === 'ko' ? 'Korean (한국어, 반말로 다정하게)' : 'English';
    const history: ChatMessage[] = c.turns.slice(-8).map((t) => ({ role: t.role === 'child' ? 'user' : 'assistant', content: t.text }));
    const messages: ChatMessage[] = [
      {
        role: 'system',
        content:
          `You are a warm storyteller helping ${c.childName}${c.age ? `, age ${c.age},` : ''} invent a bedtime story. Answer in ${language}, ` +
          `in at most two short, kind sentences, then say this in your own words: "${planned.text}"`,
      },
      ...history,
      { role: 'user', content: childText },
    ];
    const engine = `chat model ${path.basename(modelDir)} (transformers.js, on this machine)`;
    try {
      const result = await app.ai.run<ChatOutput>(
        'chat',
        { modelDir, messages, maxNewTokens: 120, temperature: 0 },
        {
          capability: 'text',
          onProgress: (p) => send(s, { type: 'ai_response_delta', text: (p as ChatToken).token, conversation_id: c.id }),
        },
      );
      const text = result.output.text.trim();
      if (text !== '' && checkText(text).ok) return { text, engine };
    } catch (err) {
      app.log.warn({ err }, 'the chat model could not answer; the built-in partner does');
    }
    return { text: planned.text, engine: planned.engine };
  }

  async function message(s: Session, text: unknown): Promise<void> {
    if (!s.conversation) return fail(s, 'CONVERSATION_NOT_STARTED', 'Send start_conversation (or resume_conversation) first');
    if (s.conversation.status === 'ended') return fail(s, 'CONVERSATION_ENDED', 'This conversation has ended; start a new one');
    if (typeof text !== 'string' || text.trim() === '') return fail(s, 'VALIDATION_ERROR', 'text must be a non-empty string');
    if (text.length > MAX_TEXT_CHARS) return fail(s, 'VALIDATION_ERROR', `text must be at most ${MAX_TEXT_CHARS} characters`);
    const conversation = s.conversation;
    const reply = partner.reply(partnerState(conversation), text);
    const modelDir = reply.flagged ? null : engines.chatModel();
    const said = modelDir ? await modelSays(s, conversation, text, reply, modelDir) : { text: reply.text, engine: reply.engine };
    // A flagged turn is kept masked: the words themselves are never stored or sent back.
    const userText = reply.flagged ? mask(text) : text;
    s.conversation = conversations.record(
      conversation.id,
      [
        { role: 'child', text: userText, ...(reply.flagged ? { flagged: true } : {}) },
        { role: 'partner', text: said.text },
      ],
      reply.elements,
    );
    send(s, {
      type: 'ai_response',
      text: said.text,
      audio_url: null,
      user_text: userText,
      conversation_id: conversation.id,
      complete: reply.complete,
      flagged: reply.flagged,
      elements: reply.elements,
      engine: said.engine,
    });
  }

  function resume(s: Session, id: unknown): void {
    const found = typeof id === 'string' ? conversations.get(id) : null;
    if (!found || found.ownerId !== s.userId)
      return fail(s, 'CONVERSATION_NOT_FOUND', 'No conversation of this account has that conversation_id');
    s.conversation = found;
    send(s, {
      type: 'conversation_resumed',
      conversation_id: found.id,
      status: found.status,
      child_name: found.childName,
      turns: found.turns,
      elements: found.elements,
    });
  }

  function end(s: Session): void {
    if (!s.conversation) return fail(s, 'CONVERSATION_NOT_STARTED', 'There is no conversation to end');
    s.conversation = conversations.end(s.conversation.id);
    send(s, { type: 'conversation_ended', conversation_id: s.conversation!.id, elements: s.conversation!.elements });
  }

  function consent(s: Session, frame: Record<string, unknown>): void {
    if (frame.speaker === 'child')
      return fail(s, 'CHILD_VOICE_NOT_ALLOWED', "Only an adult's voice (a parent or narrator) may be recorded for the narrator voice");
    if (frame.consent !== true || (frame.speaker !== 'parent' && frame.speaker !== 'narrator')) {
      return fail(s, 'VALIDATION_ERROR', 'voice_consent needs consent: true and speaker: "parent" or "narrator"');
    }
    s.consent = true;
    // Logged with the account, as the parent panel shows it (withdrawing it there deletes the match).
    settings.update(s.userId, { voiceConsent: true });
    send(s, { type: 'voice_consent_recorded', speaker: frame.speaker });
  }

  async function sample(s: Session, bytes: Buffer): Promise<void> {
    try {
      const cloning = voices.narrator.cloningModel();
      const verdict = await checkVoiceSample(app.ai, bytes, { referenceRate: cloning ? CHATTERBOX_SAMPLE_RATE : undefined });
      if (!verdict.ok) return fail(s, verdict.code, verdict.message);
      const model = voices.speakerModel();
      if (model) {
        const embedding = await voices.embed(model, verdict.pcm);
        if (s.embeddings.length > 0 && cosine(embedding, centroid(s.embeddings)) < SAME_SPEAKER_SIMILARITY) {
          return fail(s, 'SECOND_SPEAKER', 'This sample sounds like another person; record the same adult voice as before');
        }
        s.embeddings.push(embedding);
      }
      if (verdict.reference) s.references.push(verdict.reference);
      s.samples += 1;
      s.voicedSeconds += verdict.voicedSeconds;
      const ready = s.samples >= SAMPLES_FOR_CLONING && s.voicedSeconds >= SPEECH_SECONDS_FOR_CLONING;
      send(s, {
        type: 'voice_clone_progress',
        sample_count: s.samples,
        ready_for_cloning: ready,
        voiced_seconds: Math.round(s.voicedSeconds * 10) / 10,
      });
      if (ready && !s.missingModelSaid) {
        s.missingModelSaid = true;
        if (cloning) return await clone(s, cloning);
        if (!model) return fail(s, 'VOICE_MODEL_MISSING', VOICE_MODEL_MISSING);
        const language = s.conversation?.language ?? 'en';
        const match = await voices.closestPreset(model, centroid(s.embeddings), language);
        if (!match) return fail(s, 'VOICE_MODEL_MISSING', NARRATION_MODEL_MISSING);
        settings.recordMatch(s.userId, match.voice, match.similarity);
        settings.update(s.userId, { narratorVoice: match.voice });
        send(s, {
          type: 'voice_clone_success',
          voice_id: match.voice,
          match: 'closest_preset',
          label: 'The preset narrator voice closest to yours (not a copy of your voice)',
          similarity: match.similarity,
          engine: match.engine,
          device: match.device,
        });
      }
    } catch (err) {
      app.log.error({ err }, 'voice sample check failed');
      fail(s, 'SERVER_ERROR', 'The voice sample could not be checked');
    }
  }

  /** Encodes the parent's samples with Chatterbox's speech encoder and keeps only its tensors. */
  async function clone(s: Session, cloning: { dir: string; name: string }): Promise<void> {
    const reference = new Float32Array(s.references.reduce((n, r) => n + r.length, 0));
    let at = 0;
    for (const r of s.references) {
      reference.set(r, at);
      at += r.length;
    }
    s.references = [];
    const { voice, provider } = await encodeChatterboxVoice(app.ai, cloning.dir, reference);
    // Consent withdrawn in the parent panel while the encoder ran: nothing is kept.
    if (!settings.get(s.userId).voiceConsentAt) {
      return fail(s, 'VOICE_CONSENT_REQUIRED', 'The consent to record your voice was withdrawn; nothing was kept');
    }
    voices.narrator.clonedVoices.save(s.userId, { model: cloning.name, at: new Date(app.clock.now()).toISOString(), voice });
    send(s, {
      type: 'voice_clone_success',
      voice_id: 'your-voice',
      match: 'cloned',
      label: 'Your own voice, spoken by an AI model on this computer (Chatterbox Multilingual)',
      engine: `chatterbox-multilingual ${cloning.name}`,
      device: provider,
    });
  }

  /** Runs after the session's earlier slow work (model replies, sample checks), in arrival order. */
  function later(s: Session, work: () => Promise<void>): void {
    s.work = s.work.then(work).catch((err: unknown) => {
      app.log.error({ err }, 'conversation frame failed');
      fail(s, 'SERVER_ERROR', 'The message could not be handled');
    });
  }

  function onFrame(s: Session, data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      if (bytes.length > MAX_SAMPLE_BYTES) return fail(s, 'FRAME_TOO_LARGE', `A voice sample may be at most ${MAX_SAMPLE_BYTES} bytes`);
      if (!s.conversation) return fail(s, 'CONVERSATION_NOT_STARTED', 'Start a conversation before sending voice samples');
      if (!s.consent)
        return fail(s, 'VOICE_CONSENT_REQUIRED', "Send voice_consent (an adult's consent to record their voice) before voice samples");
      return later(s, () => sample(s, bytes));
    }
    if (bytes.length > MAX_TEXT_FRAME) return fail(s, 'FRAME_TOO_LARGE', `A JSON message may be at most ${MAX_TEXT_FRAME} bytes`);
    let frame: unknown;
    try {
      frame = JSON.parse(bytes.toString('utf8'));
    } catch {
      return fail(s, 'INVALID_JSON', 'The message is not valid JSON');
    }
    if (!isRecord(frame) || typeof frame.type !== 'string')
      return fail(s, 'VALIDATION_ERROR', 'A message is a JSON object with a string "type"');
    switch (frame.type) {
      case 'start_conversation':
        return start(s, frame.payload);
      // A reply may take a model's time: later turns and the end wait for it, in order.
      case 'user_message':
        return later(s, () => message(s, frame.text));
      case 'end_conversation':
        return later(s, async () => end(s));
      case 'resume_conversation':
        return resume(s, frame.conversation_id);
      case 'voice_consent':
        return consent(s, frame);
      case 'ping':
        return send(s, { type: 'pong', t: frame.t ?? null, server_time: new Date(app.clock.now()).toISOString() });
      default:
        return fail(s, 'UNKNOWN_MESSAGE_TYPE', `Unknown message type "${String(frame.type).slice(0, 40)}"`);
    }
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!AUDIO_PATHS.has(url.pathname.replace(/\/$/, ''))) return;
    if (!originAllowed(req.headers.origin, req.headers.host))
      return refuse(socket, 403, 'INSUFFICIENT_PERMISSION', "This page's origin may not open the conversation socket");
    const header = req.headers.authorization;
    const token = url.searchParams.get('token') ?? (header?.startsWith('Bearer ') ? header.slice(7).trim() : '');
    const found = token ? identifyToken(app.auth, token) : ({ reason: 'missing_header' } as const);
    if (!('user' in found))
      return refuse(socket, 401, 'INVALID_TOKEN', found.reason === 'expired' ? 'Token has expired' : 'Token is missing or invalid');
    const age = queryAge(url.searchParams.get('age'));
    if (age === 'bad') return refuse(socket, 400, 'VALIDATION_ERROR', 'age must be a whole number from 1 to 17');
    const childName = url.searchParams.get('child_name');
    if (childName !== null && childName.length > 50)
      return refuse(socket, 400, 'VALIDATION_ERROR', 'child_name must be at most 50 characters');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s: Session = {
        ws,
        userId: found.user.id,
        sessionId: found.sessionId,
        query: { childName: childName?.trim() || null, age },
        conversation: null,
        consent: false,
        samples: 0,
        voicedSeconds: 0,
        missingModelSaid: false,
        embeddings: [],
        references: [],
        alive: true,
        work: Promise.resolve(),
      };
      sessions.add(s);
      ws.on('message', (data, isBinary) => onFrame(s, data, isBinary));
      ws.on('pong', () => (s.alive = true));
      ws.on('close', () => sessions.delete(s));
      ws.on('error', () => ws.terminate());
      send(s, { type: 'connected', heartbeat_seconds: HEARTBEAT_MS / 1000 });
    });
  }

  app.server.on('upgrade', onUpgrade);
  const heartbeat = setInterval(() => {
    for (const s of sessions) {
      if (!s.alive) {
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const signOut = (match: (s: Session) => boolean) => {
    for (const s of sessions) {
      if (!match(s)) continue;
      fail(s, 'INVALID_TOKEN', 'The sign-in behind this connection has ended');
      s.ws.close(CLOSE_SIGNED_OUT, 'signed out');
    }
  };
  app.auth.onSessionRevoked((sessionId) => signOut((s) => s.sessionId === sessionId));
  app.auth.onAccountDeleted((userId) => signOut((s) => s.userId === userId));

  // Fastify's close waits for open connections: end the sockets first.
  app.addHook('preClose', async () => {
    clearInterval(heartbeat);
    app.server.off('upgrade', onUpgrade);
    for (const s of sessions) s.ws.terminate();
    wss.close();
  });

  return {
    broadcast(userId, msg) {
      for (const s of sessions) if (s.userId === userId) send(s, msg);
    },
  };
}
