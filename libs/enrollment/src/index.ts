export const placeholder_enrollment = 'enrollment';
