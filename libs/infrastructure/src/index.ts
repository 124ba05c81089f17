export {
  InfrastructureModule,
  type BusSource,
  type DatabaseSource,
  type InfrastructureAsyncOptions,
  type InfrastructureOptions,
} from './infrastructure.module';
export { BUS } from './infrastructure.tokens';
