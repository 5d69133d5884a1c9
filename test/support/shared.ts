import { join } from 'node:path';

/**
 * The shared material (corpus, oracle, docs) lives beside the project at ../shared;
 * FTPCAP_SHARED points elsewhere when a checkout sits in another place. Tests that read
 * it skip when it is absent.
 */
export const SHARED = process.env.FTPCAP_SHARED ?? join(__dirname, '../../../shared');
