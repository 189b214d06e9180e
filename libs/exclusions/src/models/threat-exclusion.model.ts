import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ExclusionType } from '@threatline/db';
import { Paginated } from '@threatline/graphql-kit';

registerEnumType(ExclusionType, {
  name: 'ExclusionType',
  description:
    'What an exclusion exempts from threat feeds: an IPv4 address (IP), an IPv4 network (NETWORK), ' +
    'a domain and its subdomains (DOMAIN), a URL (URL), or an endpoint by its hostname (HOST).',
});

@ObjectType('ThreatExclusion', {
  description: 'Traffic a group of firewalls never blocks or logs as a threat, whatever the feeds say.',
})
export class ThreatExclusionModel {
  @Field(() => ID, { description: 'Exclusion id.' })
  id!: string;

  @Field(() => ID, { description: 'The group it applies to.' })
  groupId!: string;

  @Field(() => ExclusionType, { description: 'What kind of value it excludes.' })
  type!: ExclusionType;

  @Field({ description: 'The value, normalized (e.g. a lowercase domain without trailing dot).' })
  value!: string;

  @Field({ description: 'Why it was added (may be empty).' })
  comment!: string;

  @Field(() => ID, { nullable: true, description: 'The API key that added it.' })
  createdById!: string | null;

  @Field(() => String, { nullable: true, description: 'The name of that API key.' })
  createdByName!: string | null;

  @Field({ description: 'When it was added.' })
  createdAt!: Date;
}

export const ThreatExclusionConnection = Paginated(ThreatExclusionModel);

export { ExclusionType };
