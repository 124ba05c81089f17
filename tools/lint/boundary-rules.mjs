// Which kinds of project may depend on which (tags in each project.json). Never `* -> *`.
// Shared by eslint.config.mjs and the test that proves lint fails on a forbidden import.
const NOTHING_OF_OURS = ['no-project-has-this-tag'];

export const depConstraints = [
  // Pure libraries (contracts, detectors) import nothing of ours.
  { sourceTag: 'deps:none', onlyDependOnLibsWithTags: NOTHING_OF_OURS },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  ...['data', 'signals', 'representations', 'correlation', 'api', 'console'].map((scope) => ({
    sourceTag: `scope:${scope}`,
    onlyDependOnLibsWithTags: ['scope:shared', `scope:${scope}`],
  })),
  // The all-in-one runner composes every stage, the correlator and the API in one process.
  {
    sourceTag: 'scope:platform',
    onlyDependOnLibsWithTags: [
      'scope:shared',
      'scope:data',
      'scope:signals',
      'scope:representations',
      'scope:correlation',
      'scope:api',
    ],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contracts', 'type:util', 'type:ui'],
  },
  {
    sourceTag: 'type:feature',
    onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contracts', 'type:util', 'type:ui'],
  },
  {
    sourceTag: 'type:data-access',
    onlyDependOnLibsWithTags: ['type:data-access', 'type:contracts', 'type:util'],
  },
  { sourceTag: 'type:ui', onlyDependOnLibsWithTags: ['type:ui', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: NOTHING_OF_OURS },
];

export const boundaryRules = {
  '@nx/enforce-module-boundaries': [
    'error',
    { enforceBuildableLibDependency: false, allow: [], banTransitiveDependencies: false, depConstraints },
  ],
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['@damon/*/**'], message: 'Import a library through its public entry @damon/<lib> only.' },
      ],
    },
  ],
};
