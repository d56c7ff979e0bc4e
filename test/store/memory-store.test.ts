import { MemoryStore } from '../../src/store/memory-store.js';
import { runStoreCompliance } from './compliance.js';

runStoreCompliance('MemoryStore', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
}, { persistent: false });
