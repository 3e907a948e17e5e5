#!/usr/bin/env node
// Generates TypeScript types for every proto/*.proto into src/gen/proto (run by `npm run build`).
// The options here and the runtime loader's in src/streams/proto.ts must agree.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const files = fs.readdirSync(path.join(root, 'proto')).filter((name) => name.endsWith('.proto')).sort();
fs.rmSync(path.join(root, 'src/gen/proto'), { recursive: true, force: true });
if (files.length > 0) {
  execFileSync(process.execPath, [
    path.join(root, 'node_modules/@grpc/proto-loader/build/bin/proto-loader-gen-types.js'),
    '--keepCase', '--longs=String', '--enums=String', '--defaults', '--oneofs',
    '--grpcLib=@grpc/grpc-js', '--importFileExtension=.js',
    '-I', path.join(root, 'proto'), '-O', path.join(root, 'src/gen/proto'), ...files,
  ], { stdio: 'inherit', cwd: path.join(root, 'proto') });
}
