// Compiles the AssemblyScript kernels to WASM (run by `npm install` through `prepare`).
// Placeholder until the engine lands.
