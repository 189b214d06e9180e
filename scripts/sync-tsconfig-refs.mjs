// Keeps tsconfig.build.json (root) listing every project, so `tsc -b` builds them all in order.
import { readdirSync, existsSync, writeFileSync } from 'node:fs';
const projects = ['libs', 'services'].flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => existsSync(`${dir}/${name}/tsconfig.build.json`))
    .map((name) => ({ path: `./${dir}/${name}/tsconfig.build.json` })),
);
projects.push({ path: './bench/tsconfig.build.json' });
writeFileSync('tsconfig.build.json', JSON.stringify({ files: [], references: projects }, null, 2) + '\n');
