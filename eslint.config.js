// @ts-check
// `npm run lint`: ESLint with typescript-eslint's strict, type-checked rules (README, "Linting").
import eslint from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.wrangler/',
      'dist/',
      'public/',
      'migrations/',
      'fixtures/',
      'test-results/',
      '.pglite/',
      // Written by `npm run types`.
      'src/env.generated.d.ts',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      // tsconfig's noUncheckedIndexedAccess makes every `xs[i]` possibly undefined; `!` is how the
      // code says "in range" after a length check or a loop bound. Without it, `as T` or dead checks.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // An async function without await implements a Promise-returning contract (injected fetch, KV
      // and clock doubles, lazy loaders); `Promise.resolve(…)` instead would change nothing.
      '@typescript-eslint/require-await': 'off',
      // Numbers read plainly in messages; other types still need String() or a formatter.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `({ secret: _s, ...shown }) => shown` drops a key on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // `(x) => void-call(x)` callbacks (forEach, event handlers) are not confusing.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    // This file is not in tsconfig.json.
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
)
