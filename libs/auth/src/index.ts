export const placeholder_auth = 'auth';
