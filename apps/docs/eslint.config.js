import base from '@gsa/tooling/eslint';

export default [
  {
    ignores: [
      'site/.vitepress/dist/**',
      'site/.vitepress/cache/**',
      'site/api/**',
      'site/public/**',
    ],
  },
  ...base,
  {
    files: ['**/*.js'],
    languageOptions: { globals: { performance: 'readonly' } },
  },
];
