export const placeholder_exclusions = 'exclusions';
