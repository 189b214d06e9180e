export const placeholder_audit = 'audit';
