import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

/** The heap in use after a full garbage collection: what a test's code still holds. */
export function liveHeapBytes(): number {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
  return process.memoryUsage().heapUsed;
}
