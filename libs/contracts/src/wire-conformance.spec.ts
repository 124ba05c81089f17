import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateEvent } from './topics';
import { decodeVectors } from './vector';
import { wireConformanceCases, type WireConformanceCase } from './wire-conformance';
import { decodeWireMessage } from './wire-message';

const folder = resolve(__dirname, '../conformance');

describe('wire conformance files (libs/contracts/conformance, also read by the Python SDK suite)', () => {
  it('are committed and are the bytes this build writes (run `npm run contracts:json-schema` after a change)', () => {
    const cases = wireConformanceCases();
    const committed = JSON.parse(
      readFileSync(resolve(folder, 'cases.json'), 'utf8'),
    ) as WireConformanceCase[];
    expect(committed).toEqual(cases.map((c) => c.case));
    expect(readdirSync(folder).sort()).toEqual(
      [...cases.map((c) => c.case.file), 'cases.json', 'README.md'].sort(),
    );
    for (const c of cases)
      expect(readFileSync(resolve(folder, c.case.file)).equals(c.bytes), c.case.file).toBe(true);
  });

  it('decode and validate to the expected float32 values, in both forms and every dtype', () => {
    const committed = JSON.parse(
      readFileSync(resolve(folder, 'cases.json'), 'utf8'),
    ) as WireConformanceCase[];
    expect(new Set(committed.map((c) => `${c.form}/${c.dtype}`)).size).toBe(4);
    for (const c of committed) {
      const result = validateEvent(
        'damon.telemetry.repr',
        decodeWireMessage(readFileSync(resolve(folder, c.file))),
      );
      if (!result.ok) throw new Error(`${c.file}: ${result.reason}`);
      const vectors = result.value.layers[0].vectors;
      expect(vectors.dtype).toBe(c.dtype);
      expect(typeof vectors.data === 'string').toBe(c.form === 'json');
      expect([...decodeVectors(vectors).values], c.file).toEqual(c.decoded);
    }
    // Rounding did happen for the half dtypes (1/3 is not representable in either).
    const third = (dtype: string) =>
      committed.find((c) => c.form === 'binary' && c.dtype === dtype)!.decoded[0];
    expect(third('float32')).not.toBe(third('bfloat16'));
    expect(third('float16')).not.toBe(third('bfloat16'));
  });
});
