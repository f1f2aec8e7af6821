import { create } from 'zustand';

export type Theme = 'dark' | 'light';

const THEME_KEY = 'atelier.theme';

function initialTheme(): Theme {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'dark' || saved === 'light') return saved;
  return window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

const apply = (theme: Theme) => {
  document.documentElement.dataset.theme = theme;
};

interface ShellState {
  theme: Theme;
  toggleTheme(): void;
  /** The keyboard map ("?") is open. */
  keysOpen: boolean;
  setKeysOpen(open: boolean): void;
}

export const useShell = create<ShellState>()((set, get) => {
  const theme = initialTheme();
  apply(theme);
  return {
    theme,
    keysOpen: false,
    setKeysOpen: (keysOpen) => set({ keysOpen }),
    toggleTheme() {
      const next: Theme = get().theme === 'dark' ? 'light' : 'dark';
      localStorage.setItem(THEME_KEY, next);
      apply(next);
      set({ theme: next });
    },
  };
});
