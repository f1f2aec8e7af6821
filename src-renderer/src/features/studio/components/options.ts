/** Moods the cover painter has colours for (songs/cover.ts), and common genres. */
export const MOODS = ['happy', 'sad', 'calm', 'energetic', 'romantic', 'dark', 'mysterious', 'dreamy'];
export const GENRES = ['pop', 'rock', 'ballad', 'jazz', 'hip hop', 'r&b', 'electronic', 'lo-fi', 'city pop', 'folk', 'classical'];
export const ARRANGEMENT = ['piano', 'acoustic guitar', 'electric guitar', 'bass', 'drums', 'strings', 'brass', 'synth', 'pads'];
