// Where a recipe's built image is (image/<name>/out/, or $RVPLAY_<NAME>_OUT),
// for the CLI (rvplay boot --image) and the servers that offer it to the page.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// image/ of this checkout (dist/src/node -> repo root).
const RECIPES_DIR = fileURLToPath(new URL("../../../image/", import.meta.url));

// The images a recipe in this repo builds.
export const BUILT_IMAGE_NAMES = ["debian"] as const;

export function recipeDir(name: string): string {
  return join(RECIPES_DIR, name);
}

export function builtImageDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`RVPLAY_${name.toUpperCase().replace(/-/g, "_")}_OUT`] || join(RECIPES_DIR, name, "out");
}
