/** Longest analyst line or traffic URL we look at; longer input is rejected before any scan (TOO_LONG). */
export const MAX_LINE_LENGTH = 8192;
/** DNS: 253 characters in the dotted ASCII form, 63 per label. */
export const MAX_DOMAIN_LENGTH = 253;
export const MAX_LABEL_LENGTH = 63;
/**
 * Raw (Unicode) domain input bound: generous enough for any name whose ASCII form fits 253 characters, small
 * enough that IDNA never runs on megabytes.
 */
export const MAX_DOMAIN_INPUT_LENGTH = 1024;
