// Lint rules, including the enforced import direction:
//   functions -> orchestrations -> shared; shared imports none of them; local may import anything.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// A layer is matched as a relative import path (`../functions`, `../../local/arm`), never a package name, so that
// `@azure/functions` is not mistaken for the functions/ folder.
const layer = (...names) => `^(\\.\\.?/)+(${names.join('|')})(/|$)`;

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.local-data/**', 'scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // The console's hand-written ES modules run in the browser (served by functions/console.ts).
    files: ['console/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.browser } },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: layer('functions', 'orchestrations', 'local'), message: 'shared/ is the core: it imports neither functions/, orchestrations/ nor local/.' },
          { group: ['durable-functions', '@azure/functions'], message: 'shared/ knows nothing about the Functions runtime or Durable Functions.' },
        ],
      }],
    },
  },
  {
    files: ['orchestrations/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: layer('functions', 'local'), message: 'orchestrations/ may import shared/ only (functions -> orchestrations -> shared).' }],
      }],
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: layer('local'), message: 'functions/ must not import local/: the same code deploys to Azure.' }],
      }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
