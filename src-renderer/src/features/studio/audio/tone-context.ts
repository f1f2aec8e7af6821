import { Context } from 'tone/build/esm/core/context/Context.js';
import { setContext } from 'tone/build/esm/core/Global.js';

/*
 * Tone's index makes its default context as it loads, and the UI's Content-Security-Policy
 * refuses two things that context would do: its clock is a Worker built from a blob: URL, and its
 * wrapped AudioContext (standardized-audio-context) loads worklet modules through blob: URLs.
 * Installing a plain AudioContext with a timeout clock first, through Tone's own modules, means
 * the index finds it. Import Tone through ./tone, never directly.
 */
export const nativeContext = new AudioContext({ latencyHint: 'interactive' });

setContext(new Context({ context: nativeContext as unknown as Context['rawContext'], clockSource: 'timeout', lookAhead: 0.05 }));
