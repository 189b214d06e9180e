import { ValidationException } from '@threatline/errors';

/**
 * A human-given name (tenant, group, key): trimmed, 1 to `max` characters, no control
 * characters. Returns the trimmed name or throws naming the field.
 */
export function requireName(value: string, field: string, max = 100): string {
  const name = value.trim();
  if (name.length === 0 || name.length > max) {
    throw new ValidationException(`\`${field}\` must be 1 to ${max} characters.`, { field });
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new ValidationException(`\`${field}\` must not contain control characters.`, { field });
  }
  return name;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for an id this API could have issued; anything else cannot exist, so it is "not found". */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Free text such as a comment: at most `max` characters, no control characters except newline. */
export function optionalText(value: string | null | undefined, field: string, max = 1000): string {
  const text = (value ?? '').trim();
  if (text.length > max)
    throw new ValidationException(`\`${field}\` must be at most ${max} characters.`, { field });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) {
    throw new ValidationException(`\`${field}\` must not contain control characters.`, { field });
  }
  return text;
}
