#!/usr/bin/env node
// tslab (the TypeScript kernel) with tsx's loaders registered, so a TypeScript notebook can
// `import { … } from "spikelab"` (whose sources are TypeScript). Install it as tslab's binary:
//   npx tslab install --python=/usr/bin/python3 --binary /path/to/spikelab/kernel/tslab.js
import { createRequire } from "node:module";
import { register as registerEsm } from "tsx/esm/api";
import { register as registerCjs } from "tsx/cjs/api";

registerEsm();
registerCjs();
createRequire(import.meta.url)("tslab/dist/main.js").main();
