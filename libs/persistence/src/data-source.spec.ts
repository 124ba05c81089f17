import { MIGRATIONS } from '@damon/migrations';
import { describe, expect, it } from 'vitest';
import { createDataSource } from './data-source';
import { DetectorBaseline, ENTITIES, ProcessedEvent } from './entities';

describe('createDataSource', () => {
  it('never changes the schema by itself and knows every entity and migration', () => {
    const { options } = createDataSource('postgres://postgres@127.0.0.1:5432/damon', {
      poolSize: 3,
      synchronize: true,
    } as never);
    expect(options).toMatchObject({
      type: 'postgres',
      url: 'postgres://postgres@127.0.0.1:5432/damon',
      synchronize: false,
      migrationsRun: false,
      dropSchema: false,
      poolSize: 3,
      installExtensions: false,
    });
    expect(options.entities).toEqual([...ENTITIES]);
    expect(ENTITIES).toEqual(expect.arrayContaining([ProcessedEvent, DetectorBaseline]));
    expect(new Set(ENTITIES).size).toBe(ENTITIES.length);
    expect(options.migrations).toEqual([...MIGRATIONS]);
  });
});
