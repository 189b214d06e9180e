export const placeholder_errors = 'errors';
