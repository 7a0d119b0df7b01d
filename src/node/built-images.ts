// Where a recipe's built image is (image/<name>/out/, or $RVPLAY_<NAME>_OUT),
// for the CLI (rvplay boot --image) and the servers that offer it to the page.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// image/ of this checkout: the nearest folder above this file with a
// package.json and an image/ (this file runs from dist/src/node under Node,
// and from src/node in Vite's config).
function recipesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let d = here; ; d = dirname(d)) {
    if (existsSync(join(d, "package.json")) && existsSync(join(d, "image"))) return join(d, "image");
    if (dirname(d) === d) return join(here, "..", "..", "..", "image");
  }
}
const RECIPES_DIR = recipesDir();

// The images a recipe in this repo builds.
export const BUILT_IMAGE_NAMES = ["debian"] as const;

export function recipeDir(name: string): string {
  return join(RECIPES_DIR, name);
}

export function builtImageDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`RVPLAY_${name.toUpperCase().replace(/-/g, "_")}_OUT`] || join(RECIPES_DIR, name, "out");
}
