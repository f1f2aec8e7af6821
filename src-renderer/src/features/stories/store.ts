import { create } from 'zustand';
import { errorMessage } from '../../api/client';
import {
  openConversationSocket,
  storiesApi,
  type PictureStyle,
  type ServerFrame,
  type SortBy,
  type Story,
  type StoryLength,
  type StoryStatus,
} from './api';

export interface Turn {
  who: 'child' | 'partner';
  text: string;
}

type Phase = 'idle' | 'connecting' | 'talking' | 'making';

interface StoriesState {
  phase: Phase;
  childName: string;
  conversationId: string | null;
  turns: Turn[];
  /** The partner's reply while a chat model is still saying it. */
  streaming: string | null;
  /** The partner has heard a hero, a place, a friend and a problem. */
  complete: boolean;
  problem: string | null;

  library: Story[] | null;
  filter: { status: StoryStatus | ''; sort_by: SortBy; order: 'asc' | 'desc' };
  nextCursor: string | null;

  start(childName: string, age: number | null, language: 'ko' | 'en'): void;
  say(text: string): void;
  /** Ends the conversation and asks for the story; resolves to the new story's id. */
  makeStory(length: StoryLength, pictureStyle: PictureStyle): Promise<string>;
  reset(): void;

  loadLibrary(more?: boolean): Promise<void>;
  setFilter(filter: Partial<StoriesState['filter']>): void;
}

let socket: WebSocket | null = null;
let ended: ((conversationId: string) => void) | null = null;

export const useStories = create<StoriesState>((set, get) => ({
  phase: 'idle',
  childName: '',
  conversationId: null,
  turns: [],
  streaming: null,
  complete: false,
  problem: null,
  library: null,
  filter: { status: '', sort_by: 'created_at', order: 'desc' },
  nextCursor: null,

  start(childName, age, language) {
    socket?.close();
    set({ phase: 'connecting', childName, turns: [], complete: false, problem: null, conversationId: null });
    const ws = openConversationSocket(childName, age);
    socket = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'start_conversation', payload: { child_name: childName, age, language } }));
    ws.onerror = () => set({ problem: 'The conversation could not connect to Atelier’s server.', phase: 'idle' });
    ws.onmessage = (event) => {
      const frame = JSON.parse(String(event.data)) as ServerFrame;
      switch (frame.type) {
        case 'conversation_started':
          set({ conversationId: frame.conversation_id, phase: 'talking' });
          break;
        case 'ai_response_delta':
          set((s) => ({ streaming: (s.streaming ?? '') + frame.text }));
          break;
        case 'ai_response':
          set((s) => ({ turns: [...s.turns, { who: 'partner', text: frame.text }], complete: frame.complete, streaming: null }));
          break;
        case 'conversation_ended':
          ended?.(frame.conversation_id);
          break;
        case 'error':
          set({ problem: frame.error_message });
          break;
        default:
          break;
      }
    };
  },

  say(text) {
    if (!socket || get().phase !== 'talking') return;
    socket.send(JSON.stringify({ type: 'user_message', text }));
    set((s) => ({ turns: [...s.turns, { who: 'child', text }], problem: null }));
  },

  async makeStory(length, pictureStyle) {
    const ws = socket;
    if (!ws) throw new Error('There is no conversation to make a story from.');
    set({ phase: 'making' });
    try {
      const conversationId = await new Promise<string>((resolve) => {
        ended = resolve;
        ws.send(JSON.stringify({ type: 'end_conversation' }));
      });
      const story = await storiesApi.create({ conversation_id: conversationId, user_preferences: { length, picture_style: pictureStyle } });
      ws.close();
      socket = null;
      set({ phase: 'idle', turns: [], conversationId: null, complete: false });
      return story.id;
    } catch (err) {
      set({ phase: 'talking', problem: errorMessage(err) });
      throw err;
    } finally {
      ended = null;
    }
  },

  reset() {
    socket?.close();
    socket = null;
    set({ phase: 'idle', turns: [], conversationId: null, complete: false, problem: null });
  },

  async loadLibrary(more = false) {
    const { filter, nextCursor, library } = get();
    try {
      const page = await storiesApi.list({ ...filter, start_cursor: more ? nextCursor : null });
      set({ library: more && library ? [...library, ...page.results] : page.results, nextCursor: page.next_cursor, problem: null });
    } catch (err) {
      set({ problem: errorMessage(err) });
    }
  },

  setFilter(filter) {
    set((s) => ({ filter: { ...s.filter, ...filter }, nextCursor: null }));
    void get().loadLibrary();
  },
}));
