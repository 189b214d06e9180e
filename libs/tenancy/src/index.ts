export const placeholder_tenancy = 'tenancy';
