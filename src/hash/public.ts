// What src/index.ts exposes from the hash area.
export { registerEncoder, type ClassEncoder } from './canonical.js';
export { tokenize } from './call-address.js';
