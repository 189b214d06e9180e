import { registerEnumType } from '@nestjs/graphql';
import { FeedSource, FeedStatus } from '@threatline/db';

registerEnumType(FeedSource, {
  name: 'FeedSource',
  description: 'MDR (pushed by an MDR analyst to tenants) or XOPS (the global X-Ops lab feed).',
});

registerEnumType(FeedStatus, {
  name: 'FeedStatus',
  description:
    'PENDING (stored, being published), PUBLISHED (on its streams), REVOKING (being removed) or REVOKED.',
});

export { FeedSource, FeedStatus };
