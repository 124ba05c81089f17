export {
  ApiModule,
  apiValidationRules,
  type ApiModuleAsyncOptions,
  type ApiModuleOptions,
} from './api.module';
export { DEFAULT_API_SETTINGS, type ApiSettings } from './api-settings';
export { ApiKeyService, type CreatedApiKey } from './auth/api-key.service';
export { generateApiKey, parseApiKey } from './auth/api-key-format';
export { ROLES, isRole, roleAtLeast } from './auth/role';
export { printApiSchema } from './schema-printer';
export { API_BUS, API_DATA_SOURCE, API_SETTINGS } from './tokens';
export { createApiApplication, type ApiApplicationOptions } from './api-application';
