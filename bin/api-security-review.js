#!/usr/bin/env node
// The published entry: the compiled CLI from `npm run build` (dist/ ships in the package).
import { runAsProcess } from '../dist/src/cli.js';

await runAsProcess();
