export const placeholder_standalone = 'standalone';
