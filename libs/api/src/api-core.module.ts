import { Module } from '@nestjs/common';

/**
 * Holds what the host hands in (database, bus, settings) and the services; configured by
 * ApiModule.forRootAsync and imported by both the API module and the GraphQL module's factory.
 */
@Module({})
export class ApiCoreModule {}
