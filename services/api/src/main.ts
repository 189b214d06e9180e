export const placeholder_api = 'api';
