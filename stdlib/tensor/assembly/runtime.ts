// Memory facts the JS loader needs from the module (where static data ends). The kernels use
// no AssemblyScript heap (runtime stub): JS owns all memory above __heap_base.

/** First byte JS may allocate: everything below holds the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
