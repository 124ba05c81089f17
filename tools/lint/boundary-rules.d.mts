import type { Linter } from 'eslint';

export declare const depConstraints: { sourceTag: string; onlyDependOnLibsWithTags: string[] }[];
export declare const boundaryRules: Linter.RulesRecord;
