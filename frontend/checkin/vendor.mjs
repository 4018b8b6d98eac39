// Copy the browser libraries of the gate check-in app from node_modules into
// liberation/gate/static/checkin/vendor/, where Django serves them (no CDN at run time).
// Run after `npm ci` (or `npm install <pkg>@<version>` to upgrade): `npm run vendor`.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "..", "liberation", "gate", "static", "checkin", "vendor");
const files = [
  ["jsqr/dist/jsQR.js", "jsQR.js"],
  ["jsqr/LICENSE", "jsQR.LICENSE.txt"],
  ["@noble/ed25519/index.js", "noble-ed25519.js"],
  ["@noble/ed25519/LICENSE", "noble-ed25519.LICENSE.txt"],
];

mkdirSync(target, { recursive: true });
const versions = {};
for (const [source, name] of files) {
  const path = join(here, "node_modules", source);
  if (name.endsWith(".js")) {
    // Source maps are not shipped: a dangling sourceMappingURL would make Django's
    // manifest storage (collectstatic) fail.
    const text = readFileSync(path, "utf8").replace(/^\/\/# sourceMappingURL=.*$/gm, "");
    writeFileSync(join(target, name), text);
  } else {
    copyFileSync(path, join(target, name));
  }
  const pkg = source.startsWith("@") ? source.split("/").slice(0, 2).join("/") : source.split("/")[0];
  versions[pkg] = JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"))).version;
}
writeFileSync(join(target, "VERSIONS.json"), JSON.stringify(versions, null, 2) + "\n");
console.log(`copied ${files.length} files to ${target}`, versions);
