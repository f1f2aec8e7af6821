// The context must be installed before Tone's index runs: see tone-context.ts.
import './tone-context';

export * from 'tone';
