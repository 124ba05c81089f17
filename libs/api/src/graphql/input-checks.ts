import { LIMITS } from '@damon/contracts';
import { badUserInput } from '../errors';

/** Input validation: each failure is a BAD_USER_INPUT error naming the field. */

export function checkFirst(field: string, first: number, max: number): number {
  if (!Number.isInteger(first) || first < 1 || first > max)
    throw badUserInput(field, `must be an integer in [1, ${max}]`);
  return first;
}

/** Text that goes into SQL parameters: bounded, and without NUL, which PostgreSQL text cannot hold. */
export function checkText(
  field: string,
  value: string,
  maxLength: number,
  { allowEmpty = false } = {},
): string {
  if (!allowEmpty && value.length === 0) throw badUserInput(field, 'must not be empty');
  if (value.length > maxLength) throw badUserInput(field, `must be at most ${maxLength} characters`);
  if (value.includes('\u0000')) throw badUserInput(field, 'must not contain NUL characters');
  return value;
}

export function checkId(field: string, value: string): string {
  return checkText(field, value, LIMITS.maxIdLength);
}

export function checkFinite(field: string, value: number): number {
  if (!Number.isFinite(value)) throw badUserInput(field, 'must be a finite number');
  return value;
}

export function checkDate(field: string, value: Date): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw badUserInput(field, 'must be an ISO-8601 date-time');
  return value;
}

export function checkRange(field: string, from: Date | null | undefined, to: Date | null | undefined): void {
  if (from && to && from.getTime() >= to.getTime()) throw badUserInput(field, 'must be after from');
}
