import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

// kafkajs's record-batch checksum, patched (patches/kafkajs+2.2.4.patch) to use @node-rs/crc32.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkaCrc = require('kafkajs/src/protocol/recordBatch/crc32C') as {
  (buffer: Buffer): number;
  native?: (buffer: Buffer) => number;
  javascript: (buffer: Buffer) => number;
};

describe('native CRC-32C for kafkajs record batches', () => {
  it('is the one kafkajs uses, and equals kafkajs own JavaScript CRC-32C on random buffers', () => {
    expect(typeof kafkaCrc.native).toBe('function');
    expect(kafkaCrc.javascript(Buffer.from('123456789'))).toBe(0xe3069283);
    for (const length of [0, 1, 3, 7, 8, 15, 16, 63, 64, 1000, 4099, 65_537, 1 << 20]) {
      const buffer = randomBytes(length);
      const slice = buffer.subarray(length > 2 ? 1 : 0); // an unaligned view, as kafkajs passes
      expect(kafkaCrc(buffer), `length ${length}`).toBe(kafkaCrc.javascript(buffer));
      expect(kafkaCrc(slice), `slice of ${length}`).toBe(kafkaCrc.javascript(slice));
    }
  });
});
