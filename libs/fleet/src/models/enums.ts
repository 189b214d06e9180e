import { registerEnumType } from '@nestjs/graphql';
import { FirewallStatus, ThreatFeedAction } from '@threatline/db';

registerEnumType(FirewallStatus, {
  name: 'FirewallStatus',
  description:
    'APPROVAL_PENDING until a fleet admin approves it, MANAGED, or DEREGISTERED (credential revoked).',
});

registerEnumType(ThreatFeedAction, {
  name: 'ThreatFeedAction',
  description: 'LOG_ONLY logs matching traffic; LOG_AND_DROP logs and blocks it.',
});

export { FirewallStatus, ThreatFeedAction };
