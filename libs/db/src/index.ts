export const placeholder_db = 'db';
