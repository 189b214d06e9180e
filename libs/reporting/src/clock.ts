/** The time as the reporting jobs see it; tests replace it to move through days. */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/**
 * Provide this token (from a global module) to run the reporting jobs on another clock; tests do, to move through
 * days. Without it the system clock is used.
 */
export const CLOCK_OVERRIDE = Symbol('CLOCK_OVERRIDE');
