export { GatewayModule } from './gateway.module';
export { DEFAULT_GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
