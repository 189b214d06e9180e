export const placeholder_ioc = 'ioc';
