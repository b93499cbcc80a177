// The code each worker thread runs: it receives HashTasks from the pool (src/pool.ts) and sends
// back what hashPassword (src/hash.ts) returns.

// TODO(1): listen for tasks on this thread's port, run hashPassword, post the result back.
// TODO(5): a task that throws must not leave the pool waiting forever.
export {};
