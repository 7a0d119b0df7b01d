#!/usr/bin/env bash
# Adds files of the recipe's overlay/ to a built image's disk without a
# rebuild (a rebuild takes ~30 min of the configure stage): for a fix to the
# overlay that needs no package script to run. As the build does, with no
# root on the host: debugfs -w writes into disk.img (the file system must not
# be in use), file times are pinned to SOURCE_DATE_EPOCH, then the disk base
# (disk.json + chunks/) and image.json are written again.
#   bash image/debian/patch-overlay.sh OUT PATH...
# OUT: the built image (image/debian/out); PATH: a file under overlay/, e.g.
# etc/systemd/system/serial-getty@hvc0.service.d/rvplay-console.conf.
# A full build gives the same files (stage2.sh copies all of overlay/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
js=$here/../../dist/image/debian
DEBUGFS=${DEBUGFS:-$(command -v debugfs || echo /usr/sbin/debugfs)}
[ $# -ge 2 ] || { echo "usage: patch-overlay.sh OUT PATH..." >&2; exit 2; }
out=$1; shift
[ -f "$out/image.json" ] && [ -f "$out/disk.img" ] || { echo "patch-overlay: $out holds no built image (image.json, disk.img)" >&2; exit 1; }
[ -x "$DEBUGFS" ] || { echo "patch-overlay: debugfs not found (apt-get install e2fsprogs, or set DEBUGFS)" >&2; exit 1; }
[ -f "$js/disk-base-cli.js" ] || { echo "patch-overlay: run npm run build first" >&2; exit 1; }
epoch=$(node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1])).sourceDateEpoch))' "$out/image.json")
kver=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1])).linux)' "$out/image.json")
append=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1])).append)' "$out/image.json")
cmds=$(mktemp)
trap 'rm -f "$cmds"' EXIT
pin() { for f in atime ctime mtime crtime; do echo "set_inode_field \"$1\" $f @$epoch"; echo "set_inode_field \"$1\" ${f}_extra 0"; done; }
for p in "$@"; do
  src=$here/overlay/$p
  [ -f "$src" ] || { echo "patch-overlay: overlay/$p is not a file" >&2; exit 1; }
  case "$p" in *'"'*|*$'\n'*) echo "patch-overlay: debugfs cannot name '$p'" >&2; exit 1 ;; esac
  # Each missing directory (root's, 0755), then the file (root's, 0644).
  d=""
  IFS=/ read -ra parts <<< "$(dirname "$p")"
  for part in "${parts[@]}"; do
    d=$d/$part
    if ! "$DEBUGFS" -R "stat \"$d\"" "$out/disk.img" 2>/dev/null | grep -q 'Type: directory'; then
      echo "mkdir \"$d\""; echo "set_inode_field \"$d\" mode 040755"; echo "set_inode_field \"$d\" uid 0"; echo "set_inode_field \"$d\" gid 0"; pin "$d"
    fi
  done
  echo "rm \"/$p\""
  echo "write \"$src\" \"/$p\""
  echo "set_inode_field \"/$p\" mode 0100644"; echo "set_inode_field \"/$p\" uid 0"; echo "set_inode_field \"/$p\" gid 0"
  pin "/$p"; pin "$(dirname "/$p")"
done > "$cmds"
"$DEBUGFS" -w -f "$cmds" "$out/disk.img" > /dev/null 2> "$cmds.err" || { cat "$cmds.err" >&2; exit 1; }
# debugfs echoes each command; "rm" of a file not there yet is expected.
if grep -v '^debugfs ' "$cmds.err" | grep -v 'File not found by ext2_lookup' | grep -q .; then cat "$cmds.err" >&2; rm -f "$cmds.err"; exit 1; fi
rm -f "$cmds.err"
e2fsck -fn "$out/disk.img" > /dev/null 2>&1 || { echo "patch-overlay: e2fsck finds the file system damaged after the patch" >&2; exit 1; }
node "$js/disk-base-cli.js" write "$out/disk.img" "$out" --chunk-size 65536
node "$js/disk-base-cli.js" verify "$out" --raw "$out/disk.img"
gzip -9 -n -c "$out/Image" > "$out/Image.gz"
# A snapshot names the disk base by hash: the one there was made over the old disk.
rm -f "$out/snapshot.rvsnap"
node "$js/image-manifest-cli.js" write --out "$out" --lock "$here/packages.lock" --kernel-version "$kver" --append "$append"
echo "patch-overlay: $# file(s) written into $out/disk.img; disk.json and image.json updated; make the snapshot again (npm run image:debian -- --snapshot-only)"
