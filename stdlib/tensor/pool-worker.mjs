// Worker bootstrap: registers tsx's TypeScript loader in this thread, then runs the typed
// worker loop. Plain JS because nothing can load .ts before the loader is registered; it
// works the same whether the parent ran under `node --import tsx` or tsx's register() API.
import { register } from "tsx/esm/api";

register();
await import("./pool-worker.ts");
