export const placeholder_config = 'config';
