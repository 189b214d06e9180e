export type IocType = 'ipv4' | 'cidr' | 'domain' | 'url';

export const IOC_TYPES: readonly IocType[] = ['ipv4', 'cidr', 'domain', 'url'];

export type IndicatorWarningCode = 'MIXED_SCRIPT';

export interface IndicatorWarning {
  code: IndicatorWarningCode;
  message: string;
}

export interface ParsedIndicator {
  ok: true;
  type: IocType;
  /** One meaning, one spelling: two inputs that mean the same indicator normalize to the same string. */
  normalized: string;
  warnings: IndicatorWarning[];
}
