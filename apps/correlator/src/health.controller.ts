import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { CORRELATION_DATA_SOURCE } from '@damon/correlation';
import { DataSource } from 'typeorm';

@Controller()
export class HealthController {
  constructor(@Inject(CORRELATION_DATA_SOURCE) private readonly dataSource: DataSource) {}

  @Get('healthz')
  async health(): Promise<{ status: 'ok' }> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch (error) {
      throw new ServiceUnavailableException(`database: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { status: 'ok' };
  }
}
