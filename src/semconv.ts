/**
 * The OpenTelemetry semantic-convention names netstat-otel uses, copied from
 * @opentelemetry/semantic-conventions, as that package advises for incubating names (its
 * `incubating` entry point may change in a minor release). The stable ones are copied too: the
 * package's ES module build would load a second copy of its thousands of constants next to the
 * CommonJS one the SDK loads (~1 MiB of heap), and the incubating entry point costs ~3.5 MiB,
 * for two dozen strings. test/semconv.test.ts checks every copy against the package.
 */
export const ATTR_SERVICE_NAME = 'service.name' as const;
export const ATTR_SERVICE_VERSION = 'service.version' as const;
export const ATTR_NETWORK_TRANSPORT = 'network.transport' as const;
export const ATTR_NETWORK_TYPE = 'network.type' as const;
export const NETWORK_TRANSPORT_VALUE_TCP = 'tcp' as const;
export const NETWORK_TRANSPORT_VALUE_UDP = 'udp' as const;
export const NETWORK_TYPE_VALUE_IPV4 = 'ipv4' as const;
export const NETWORK_TYPE_VALUE_IPV6 = 'ipv6' as const;

export const ATTR_NETWORK_CONNECTION_STATE = 'network.connection.state' as const;
export const ATTR_NETWORK_INTERFACE_NAME = 'network.interface.name' as const;
export const ATTR_NETWORK_IO_DIRECTION = 'network.io.direction' as const;
export const NETWORK_CONNECTION_STATE_VALUE_CLOSED = 'closed' as const;
export const NETWORK_IO_DIRECTION_VALUE_RECEIVE = 'receive' as const;
export const NETWORK_IO_DIRECTION_VALUE_TRANSMIT = 'transmit' as const;
export const METRIC_SYSTEM_NETWORK_CONNECTION_COUNT = 'system.network.connection.count' as const;
export const METRIC_SYSTEM_NETWORK_ERRORS = 'system.network.errors' as const;
export const METRIC_SYSTEM_NETWORK_IO = 'system.network.io' as const;
export const METRIC_SYSTEM_NETWORK_PACKET_COUNT = 'system.network.packet.count' as const;
export const METRIC_SYSTEM_NETWORK_PACKET_DROPPED = 'system.network.packet.dropped' as const;
