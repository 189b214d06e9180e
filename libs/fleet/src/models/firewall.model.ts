import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Paginated } from '@threatline/graphql-kit';
import { FirewallStatus } from './enums';
import { FirewallSettingsModel } from './firewall-settings.model';

@ObjectType('Firewall', { description: 'An enrolled firewall.' })
export class FirewallModel {
  @Field(() => ID, { description: 'Firewall id.' })
  id!: string;

  @Field(() => ID, { description: 'Its group.' })
  groupId!: string;

  @Field({ description: 'Hardware serial number.' })
  serial!: string;

  @Field(() => String, { nullable: true, description: 'Hostname the firewall reported.' })
  hostname!: string | null;

  @Field(() => String, { nullable: true, description: 'Hardware or virtual model.' })
  model!: string | null;

  @Field(() => String, { nullable: true, description: 'Firmware version the firewall reported.' })
  firmwareVersion!: string | null;

  @Field(() => FirewallStatus, { description: 'Management status.' })
  status!: FirewallStatus;

  @Field({ description: 'True while the firewall holds its stream connection.' })
  connected!: boolean;

  @Field(() => Date, { nullable: true, description: 'When the firewall was last heard from.' })
  lastSeenAt!: Date | null;

  @Field({ description: 'When the firewall enrolled.' })
  enrolledAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was deregistered.' })
  deregisteredAt!: Date | null;

  @Field(() => FirewallSettingsModel, { description: 'Threat feed and log settings.' })
  settings!: FirewallSettingsModel;
}

export const FirewallConnection = Paginated(FirewallModel);
