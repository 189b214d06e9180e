export const placeholder_http = 'http';
