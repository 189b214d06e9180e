export const placeholder_fleet = 'fleet';
