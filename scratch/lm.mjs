import { open } from 'lmdb';
import fs from 'node:fs';
const dir = '/tmp/lmtest'; fs.rmSync(dir, {recursive:true, force:true});
const root = open({ path: dir, compression: false });
const db = root.openDB('objects', {encoding:'string'});
await db.transaction(() => { for (let i=0;i<20000;i++) db.put('k'+i, JSON.stringify({i, pad: 'x'.repeat(200)})); });
await root.close();
console.log(fs.readdirSync(dir), fs.statSync(dir+'/data.mdb').size);
