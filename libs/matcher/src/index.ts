import { placeholder_ioc } from '@threatline/ioc';
export const placeholder_matcher = placeholder_ioc + 'm';
