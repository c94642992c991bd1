// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** The dependency rule of DESIGN.md §2: each layer imports only those below it. */
const layer = (dir, forbiddenDirs, forbiddenPackages = []) => ({
  files: [`src/${dir}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `(^|/)(${forbiddenDirs.join('|')})(/|$)`,
            message: `src/${dir} may not import this layer (see DESIGN.md §2).`,
          },
          ...(forbiddenPackages.length
            ? [
                {
                  regex: `^(${forbiddenPackages.join('|')})(/|$)`,
                  message: `src/${dir} may not use this package (see DESIGN.md §2).`,
                },
              ]
            : []),
        ],
      },
    ],
  },
});

const io = [
  'bullmq',
  'ioredis',
  'fastify',
  '@fastify/.*',
  'node:(net|dns|fs|http|https|child_process)',
];

export default tseslint.config(
  { ignores: ['dist/', 'data/', 'node_modules/', 'coverage/', 'test-output/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  layer('contracts', ['lib', 'config', 'engine', 'jobs', 'worker', 'api', 'cli'], io),
  layer('lib', ['config', 'engine', 'jobs', 'worker', 'api', 'cli'], io),
  layer('config', ['engine', 'jobs', 'worker', 'api', 'cli'], io),
  layer('engine', ['config', 'jobs', 'worker', 'api', 'cli'], io),
  layer('jobs', ['engine', 'worker', 'api', 'cli']),
  layer('worker', ['api', 'cli']),
  layer('api', ['engine', 'worker', 'cli']),
  {
    // The browser app and its tests type-check against web/tsconfig.json (DOM, JSX).
    files: ['web/src/**/*.{ts,tsx}', 'test/web/**/*.{ts,tsx}'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: ['./web/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: reactHooks.configs.flat.recommended.plugins,
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    files: ['web/vite.config.ts'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: ['./tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    // DESIGN.md §2: the browser code shares only the contracts with the server.
    files: ['web/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)src/(lib|config|engine|jobs|worker|api|cli)(/|$)',
              message: 'web/src may import only src/contracts (see DESIGN.md §2).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.{ts,tsx}', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
