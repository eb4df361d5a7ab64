// Type-aware lint: the rule that matters most here is no-floating-promises. A dropped promise in a
// chat handler or an import loses an error silently, which in this product means a lost action.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // dist/ is tsc output of src/ and adapters/, which are linted as sources.
  { ignores: ['node_modules/**', 'data/**', 'migrations/**', '.bench/**', 'coverage/**', 'bin/**', 'dist/**'] },
  js.configs.recommended,
  // Plain Node launchers (npm start, the build check): no TypeScript to declare Node's globals.
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } } },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
);
