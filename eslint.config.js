// Layering is enforced by scripts/check-layers.mjs (a default-deny allow-list run by `npm run lint`,
// covering dynamic import() and host globals); the rules below repeat the main ones so editors flag them:
//   src/core      pure TypeScript; may use node: builtins only under src/core/io (file + nsys access)
//   src/shared    the bridge/IPC contract; imports core types only
//   src/preload   the one file that exposes named methods; imports shared only
//   src/main      thin Electron shell; imports core + shared
//   src/renderer  React + pixi; imports shared and pure core (never core/io, electron or node:)
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

const uiLibs = ['electron', 'react', 'react-dom', 'react-dom/*', 'pixi.js', 'pixi.js/*'];
const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'child_process',
  'os',
  'crypto',
  'worker_threads',
  'http',
  'net',
  'url',
  'zlib',
  'stream',
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', 'tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/io/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: uiLibs, message: 'src/core is pure TypeScript: no electron/React/pixi.' },
            { group: nodeBuiltins, message: 'Only src/core/io may touch Node built-ins.' },
            { group: ['**/renderer/**', '**/main/**', '**/preload/**'], message: 'core is the bottom layer.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage'],
    },
  },
  {
    files: ['src/core/io/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: uiLibs, message: 'src/core is pure TypeScript: no electron/React/pixi.' },
            { group: ['**/renderer/**', '**/main/**', '**/preload/**'], message: 'core is the bottom layer.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage'],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: [...uiLibs, ...nodeBuiltins], message: 'src/shared holds contract types only.' },
            { group: ['**/renderer/**', '**/main/**', '**/preload/**', '**/core/io/**'], message: 'shared depends on core types only.' },
          ],
        },
      ],
    },
  },
  {
    // Type-aware rules where a wrong promise or a stray `any` costs most: the shell, the host and the engine.
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', ...nodeBuiltins], message: 'The renderer is sandboxed: data only through the bridge.' },
            {
              group: ['**/core/io/**', '**/main/**', '**/preload/**', '**/cli/**', '**/server/**'],
              message: 'The renderer talks to the bridge (src/shared), not to IO.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['react', 'react-dom', 'pixi.js', ...nodeBuiltins], message: 'preload exposes named methods only.' },
            { group: ['**/core/**', '**/renderer/**', '**/main/**'], message: 'preload imports the shared contract only.' },
          ],
        },
      ],
    },
  },
);
