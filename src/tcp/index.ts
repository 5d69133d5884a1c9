/** The TCP stage: connection table, reassembly, segment view (see types.ts for the contract). */
export { ConnectionTable, TCP_FINDINGS, type CapHit, type TcpCap, type TcpTableStats } from './table.js';
export { DEFAULT_TCP_OPTIONS, OVERLAP_POLICY, resolveTcpOptions, type TcpOptions } from './options.js';
export * from './types.js';
