/** The kernel's address-family and IP-protocol numbers, as sock_diag, the addon's records and scanProcNet use them. */
export const ADDRESS_FAMILY = { inet: 2, inet6: 10 } as const;
export const IP_PROTOCOL = { tcp: 6, udp: 17 } as const;
