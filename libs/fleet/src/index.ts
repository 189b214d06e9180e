export * from './fleet.module';
export * from './fleet.service';
export * from './models/enums';
export * from './models/firewall.model';
export * from './models/firewall-group.model';
export * from './models/firewall-settings.model';
