// Lint for the whole repository (`npm run lint`, and first in `npm test`). Recommended rules of
// @eslint/js and typescript-eslint, without type-aware rules so it stays fast, plus the import
// boundaries that keep dependencies pointing down (src-server/families/README.md).
import fs from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Every folder under families/ is a family, so a new one is covered without editing this file.
const FAMILIES = fs
  .readdirSync(new URL('./src-server/families', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** Shared machinery never imports a family; only the registry (families/registry.ts) names them. */
const sharedLayers = {
  files: ['src-server/**/*.ts'],
  ignores: ['src-server/families/**'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['**/families/*', '**/families/*/**', '!**/families/registry'],
            message:
              'Shared machinery imports no family: move the piece down into a shared layer, or reach the family through its manifest (families/registry.ts).',
          },
          { group: ['**/src-renderer/**'], message: 'The server does not import the UI.' },
        ],
      },
    ],
  },
};

/** A family imports shared machinery, never another family (a shared piece moves down, e.g. into media/). */
const familyPatterns = (family) => [
  {
    group: FAMILIES.filter((other) => other !== family).flatMap((other) => [`**/${other}`, `**/${other}/**`]),
    message: `The ${family} family does not import another family; move what both need into a shared layer.`,
  },
  { group: ['**/families/registry'], message: 'A family does not import the registry.' },
  { group: ['**/src-renderer/**'], message: 'The server does not import the UI.' },
];

/** Services hold the rules and know nothing of HTTP: no Fastify, no family route kit (`http.ts`), no HTTP layer but its errors. */
const SERVICE_FILES = ['service.ts', '*-service.ts'];
const servicePatterns = [
  {
    regex: '^(fastify|@fastify/.*|(\\.\\.?/)+(http|(\\.\\./)*http/(family|multipart)|(\\.\\./)*plugins/.*))$',
    message: 'A service does not import Fastify or the HTTP kit; throw errors.error(...) and let the route answer.',
  },
];

const familyBoundaries = FAMILIES.flatMap((family) => [
  {
    files: [`src-server/families/${family}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: familyPatterns(family) }] },
  },
  {
    files: SERVICE_FILES.map((name) => `src-server/families/${family}/**/${name}`),
    rules: { 'no-restricted-imports': ['error', { patterns: [...familyPatterns(family), ...servicePatterns] }] },
  },
]);

/** The UI reaches the server over HTTP and the socket only; shared types live in src-shared/. */
const renderer = {
  files: ['src-renderer/**/*.{ts,tsx}'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['**/src-server/**', '**/src-main/**'],
            message: 'The UI imports src-shared/, never the server or the Electron main process.',
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'coverage/**', 'node_modules/**', 'resources/**', '.data/**', 'src-server/db/migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // tsc checks undefined names itself (npm test runs it first), and knows Node's and the DOM's globals.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read untyped JSON bodies and poke at internals on purpose; typing each probe adds nothing.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  sharedLayers,
  ...familyBoundaries,
  renderer,
);
