// One lint config for the whole repository: recommended JS and TypeScript rules, formatting left to prettier.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'cdk.out', '.data', 'coverage', 'client/dist'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The example Mini Program runs in WeChat: CommonJS, with WeChat's globals.
    files: ['examples/miniprogram/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { App: 'readonly', Component: 'readonly', getApp: 'readonly', wx: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
)
