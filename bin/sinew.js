#!/usr/bin/env node
// The sinew executable: runs the compiled CLI (npm install builds it through the "prepare" script).
import { main } from '../dist/src/cli/main.js';

// A reader that goes away (`sinew replay … | head`) ends the output, not the process with a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
