// Placeholder for the worker pool; the engine issue replaces this file with the real pool.
export interface WorkerPool {
  readonly size: number;
  close(): Promise<void>;
}
