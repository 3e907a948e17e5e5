#!/usr/bin/env node
// Writes examples/demo.events.jsonl, the event log `sinew demo` replays, from src/demo/demo-events.ts
// with its default timeline. Build first (npm run build); test/demo/demo-events.test.ts checks that
// the committed file is this script's output.
import { writeFileSync } from 'node:fs';
import { demoEventLog } from '../dist/src/demo/demo-events.js';

const file = new URL('../examples/demo.events.jsonl', import.meta.url);
writeFileSync(file, demoEventLog());
console.log(`wrote ${file.pathname}`);
