import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { Bus } from '@damon/bus';
import { DataSource } from 'typeorm';
import { describe, expect, it, vi } from 'vitest';
import { InfrastructureModule } from './infrastructure.module';
import { BUS } from './infrastructure.tokens';

describe('InfrastructureModule', () => {
  it("provides the host's bus and DataSource to the app and leaves closing them to the host", async () => {
    const bus = { close: vi.fn() } as unknown as Bus;
    const dataSource = { isInitialized: true, destroy: vi.fn() } as unknown as DataSource;
    const app = await NestFactory.createApplicationContext(
      InfrastructureModule.forRoot({ bus: { shared: bus }, database: { shared: dataSource } }),
      { logger: false },
    );
    expect(app.get(BUS)).toBe(bus);
    expect(app.get(DataSource)).toBe(dataSource);
    await app.close();
    expect(bus.close).not.toHaveBeenCalled();
    expect(dataSource.destroy).not.toHaveBeenCalled();
  });

  it('refuses Kafka without brokers instead of an in-process bus', async () => {
    const dataSource = { isInitialized: true, destroy: vi.fn() } as unknown as DataSource;
    await expect(
      NestFactory.createApplicationContext(
        InfrastructureModule.forRoot({ bus: { kafka: { brokers: [] } }, database: { shared: dataSource } }),
        { logger: false, abortOnError: false },
      ),
    ).rejects.toThrow(/KAFKA_BROKERS is not set/);
  });
});
