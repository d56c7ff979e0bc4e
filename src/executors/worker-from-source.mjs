// Worker entry when memograph runs from its TypeScript sources (its own tests, or
// tsx): register tsx's loader in this thread, then load the real entry. The
// built package uses worker.js directly.
import { register } from 'tsx/esm/api';

register();
const { default: runBatch } = await import('./worker.ts');
export default runBatch;
