export const placeholder_observability = 'observability';
