import { registerEnumType } from '@nestjs/graphql';

// GraphQL names in capitals, stored values as the agent sends them (threatEventSchema).

export enum ThreatEventSource {
  MDR = 'MDR',
  XOPS = 'XOPS',
}

export enum ThreatEventAction {
  LOG = 'log',
  DROP = 'drop',
}

export enum ThreatEventModule {
  FIREWALL = 'firewall',
  DNS = 'dns',
  IPS = 'ips',
  WEB = 'web',
}

export enum ThreatEventDirection {
  OUTBOUND = 'outbound',
  INBOUND = 'inbound',
  SYSTEM = 'system',
}

export enum ThreatEventField {
  SRC_IP = 'srcIp',
  DST_IP = 'dstIp',
  DOMAIN = 'domain',
  URL = 'url',
}

export enum ThreatEventIndicatorType {
  IPV4 = 'ipv4',
  CIDR = 'cidr',
  DOMAIN = 'domain',
  URL = 'url',
}

export enum ThreatEventModuleAction {
  LOG_ONLY = 'LOG_ONLY',
  LOG_AND_DROP = 'LOG_AND_DROP',
}

/** Width of one point of a summary's time series. */
export enum ThreatEventBucket {
  MINUTE = 'MINUTE',
  FIVE_MINUTES = 'FIVE_MINUTES',
  FIFTEEN_MINUTES = 'FIFTEEN_MINUTES',
  HOUR = 'HOUR',
  DAY = 'DAY',
}

export const BUCKET_MS: Record<ThreatEventBucket, number> = {
  [ThreatEventBucket.MINUTE]: 60_000,
  [ThreatEventBucket.FIVE_MINUTES]: 300_000,
  [ThreatEventBucket.FIFTEEN_MINUTES]: 900_000,
  [ThreatEventBucket.HOUR]: 3_600_000,
  [ThreatEventBucket.DAY]: 86_400_000,
};

registerEnumType(ThreatEventSource, {
  name: 'ThreatEventSource',
  description: 'The feed module that matched: MDR threat feeds or Sophos X-Ops threat feeds.',
});
registerEnumType(ThreatEventAction, {
  name: 'ThreatEventAction',
  description: 'What the firewall did: LOG (logged only, or a dry run) or DROP.',
});
registerEnumType(ThreatEventModule, {
  name: 'ThreatEventModule',
  description: 'The firewall module that asked: FIREWALL (IP), DNS, IPS or WEB.',
});
registerEnumType(ThreatEventDirection, {
  name: 'ThreatEventDirection',
  description: 'OUTBOUND or INBOUND forwarded traffic, or SYSTEM (traffic to the firewall itself).',
});
registerEnumType(ThreatEventField, {
  name: 'ThreatEventField',
  description: 'Which part of the traffic matched the indicator.',
});
registerEnumType(ThreatEventIndicatorType, {
  name: 'ThreatEventIndicatorType',
  description: 'The kind of indicator that matched.',
});
registerEnumType(ThreatEventModuleAction, {
  name: 'ThreatEventModuleAction',
  description: "The module's setting when the firewall decided: LOG_ONLY or LOG_AND_DROP.",
});
registerEnumType(ThreatEventBucket, {
  name: 'ThreatEventBucket',
  description: 'Width of one point of a time series.',
});
