// The copy step: after `npm ci`, copy the pinned packages' browser builds and
// licenses into vendor/ (the list is vendor.json). Run with `npm run vendor`.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const { files } = JSON.parse(fs.readFileSync(path.join(here, "vendor.json"), "utf8"));
for (const [target, source] of Object.entries(files)) {
  const to = path.join(here, target);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(path.join(here, "node_modules", source), to);
  console.log(`${source} -> ${target}`);
}
