// Reads the files listed in argv[2] (one path a line) and throws them away, 16 at a time: the kernel keeps them in
// its page cache for the process that needs them next. npm start runs it for n8n's modules (see n8n-preload.cjs)
// while n8n boots; n8n reads them one by one, synchronously. Missing files are skipped: the list is a hint.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

let files = [];
try {
  files = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
} catch {
  process.exit(0);
}
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < files.length) {
      const file = files[next++];
      await readFile(file).catch(() => {});
    }
  }),
);
