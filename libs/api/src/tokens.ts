/** Injection tokens of what the host app hands the API module. */
export const API_DATA_SOURCE = Symbol('API_DATA_SOURCE');
export const API_BUS = Symbol('API_BUS');
export const API_SETTINGS = Symbol('API_SETTINGS');
