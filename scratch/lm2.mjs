import { open } from 'lmdb';
import fs from 'node:fs';
const dir = '/tmp/lmtest';
const mode = process.argv[2];
if (mode === 'trunc') fs.truncateSync(dir+'/data.mdb', Number(process.argv[3]));
if (mode === 'garble') { const fd = fs.openSync(dir+'/data.mdb','r+'); const b = Buffer.alloc(4096, 0x5a); fs.writeSync(fd, b, 0, b.length, Number(process.argv[3])); fs.closeSync(fd); }
try {
const root = open({ path: dir, compression: false });
const db = root.openDB('objects', {encoding:'string'});
let n=0; for (const {key, value} of db.getRange()) { n++; }
console.log('read', n);
} catch (e) { console.log('error', e.message); }
