#!/usr/bin/env node
// Generates TypeScript types for every proto/*.proto into src/gen/proto (run by `npm run build`).
// The options here and the runtime loader's in src/streams/proto.ts must agree.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const files = fs.readdirSync(path.join(root, 'proto')).filter((name) => name.endsWith('.proto')).sort();
// Generate beside the target and swap it in, so a build running at the same time never sees a
// half-written tree.
const target = path.join(root, 'src/gen/proto');
const fresh = `${target}.${process.pid}`;
fs.rmSync(fresh, { recursive: true, force: true });
if (files.length > 0) {
  execFileSync(process.execPath, [
    path.join(root, 'node_modules/@grpc/proto-loader/build/bin/proto-loader-gen-types.js'),
    '--keepCase', '--longs=String', '--enums=String', '--defaults', '--oneofs',
    '--grpcLib=@grpc/grpc-js', '--importFileExtension=.js',
    '-I', path.join(root, 'proto'), '-O', fresh, ...files,
  ], { stdio: 'inherit', cwd: path.join(root, 'proto') });
}
fs.rmSync(target, { recursive: true, force: true });
if (fs.existsSync(fresh)) fs.renameSync(fresh, target);
