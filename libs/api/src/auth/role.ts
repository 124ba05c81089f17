import type { ApiRole } from '@damon/persistence';

/** Roles in increasing power: each can do what the ones before it can. */
export const ROLES: readonly ApiRole[] = ['viewer', 'triager', 'admin'];

export function isRole(value: string): value is ApiRole {
  return (ROLES as readonly string[]).includes(value);
}

export function roleAtLeast(role: ApiRole, required: ApiRole): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}
