#!/usr/bin/env bash
# Builds the rvplay Debian image: Debian 13 (trixie) for riscv64 from Debian's
# archive only, reproducibly, without root-only host tricks (no binfmt, no
# chroot on the host). Run by `npm run image:debian [-- OPTIONS]`.
#
#   1. lock     packages.list -> packages.lock (exact versions and SHA-256),
#               resolved with a private apt configuration; reused afterwards
#   2. fetch    the locked .debs into the cache (checked by SHA-256)
#   3. unpack   dpkg-deb -x every .deb into a tree, under fakeroot, and make
#               a stage disk of it with mke2fs -d
#   4. stage    boot Debian's kernel with a small busybox initramfs in an
#               emulated riscv64 machine (QEMU's virt board, or rvplay) and
#               run dpkg there as root (stage2.sh): maintainer scripts,
#               initramfs; the finished tree comes back as a tar archive
#   5. disk     a fresh ext4 of that tree (mke2fs -d, fixed UUID and hash
#               seed, every time pinned), the kernel and the initrd
#   6. base     the disk in the disk base format (disk.json + chunks/),
#               the kernel gzip'd too (Image.gz, for the page), image.json
#               naming the files
#   7. snapshot boot the image in rvplay to its root prompt and write a
#               snapshot of it (snapshot.rvsnap, snapshot-cli.ts): the
#               instant start that the page and rvplay boot --image resume
#
# Options:
#   --out DIR        output folder (default image/debian/out; RVPLAY_DEBIAN_OUT)
#   --work DIR       build folder (default image/debian/work; RVPLAY_DEBIAN_WORK)
#   --stage qemu|rvplay   where the configure stage runs (default qemu if
#                    installed, else rvplay; RVPLAY_DEBIAN_STAGE)
#   --update-lock    resolve packages.list against the archive again
#   --mirror URL     Debian mirror (default http://deb.debian.org/debian; DEBIAN_MIRROR)
#   --reuse-stage    keep the last configure stage's result (work/stage.img),
#                    redo only what follows it (for work on the later steps)
#   --snapshot-only  redo only step 7 (the image must be built)
#   --no-snapshot    stop after step 6
# Tools (Debian 12 packages): nodejs, apt, dpkg, fakeroot, e2fsprogs, kmod,
# xz-utils, cpio, gzip, tar, coreutils, and qemu-system-misc for --stage qemu.
# QEMU_SYSTEM_RISCV64 names the QEMU binary (default: PATH, then /usr/bin).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
js=$repo/dist/image/debian
export LC_ALL=C TZ=UTC

# The final disk: 1 GiB (room for apt install; rvplay holds a raw --disk in
# memory, at most 2 GiB). The stage disk: the file system, then room for the
# tar archive the guest writes back (the two together under 2 GiB so rvplay
# can run the stage too).
DISK_MIB=${RVPLAY_DEBIAN_DISK_MIB:-1024}
STAGE_FS_MIB=1024
STAGE_TAR_MIB=768
FS_UUID=7c1d2a6e-8f3b-4d5e-9a0b-726f76706c64 # also in overlay/etc/fstab
FS_LABEL=debian-rvplay
APPEND="root=/dev/vda rw console=ttyS0 quiet"
STAGE_MEM_MIB=1024

# ---------------------------------------------------------------- internal steps
# Run under fakeroot (one session each, so the ownership dpkg-deb and tar
# record is what mke2fs -d reads).
if [ "${1:-}" = __unpack ]; then
  shift
  work=$1 cache=$2
  tree=$work/stage-tree
  rm -rf "$tree" && mkdir -p "$tree"
  while read -r deb; do
    dpkg-deb -x "$cache/$deb" "$tree"
  done < "$work/all.list"
  mkdir -p "$tree/rvplay-stage/debs" "$tree/var/lib/dpkg/info" "$tree/var/lib/dpkg/updates"
  : > "$tree/var/lib/dpkg/status"
  : > "$tree/var/lib/dpkg/available"
  while read -r deb; do
    ln "$cache/$deb" "$tree/rvplay-stage/debs/$deb" 2>/dev/null || cp "$cache/$deb" "$tree/rvplay-stage/debs/$deb"
  done < "$work/all.list"
  cp "$work/essential.list" "$work/image.list" "$work/stage.env" "$tree/rvplay-stage/"
  cp "$here/stage2.sh" "$tree/rvplay-stage/stage2.sh"
  cp -r "$here/overlay" "$tree/rvplay-stage/overlay"
  chmod -R u+rwX,go+rX,go-w "$tree/rvplay-stage"
  chown -R 0:0 "$tree/rvplay-stage"
  rm -f "$work/stage.img"
  mke2fs -q -t ext4 -b 4096 -L stage -E root_owner=0:0 -d "$tree" "$work/stage.img" "${STAGE_FS_MIB}M"
  truncate -s $(((STAGE_FS_MIB + STAGE_TAR_MIB) * 1024 * 1024)) "$work/stage.img"
  exit 0
fi
if [ "${1:-}" = __disk ]; then
  shift
  work=$1
  root=$work/root
  rm -rf "$root" && mkdir -p "$root"
  # The archive the guest wrote past the end of the stage file system.
  # tar stops reading at the archive's end, so dd may die of SIGPIPE: only
  # tar's status counts.
  set +o pipefail
  dd if="$work/stage.img" bs=1M skip="$STAGE_FS_MIB" status=none 2>/dev/null |
    tar -x -C "$root" --numeric-owner --same-permissions --same-owner --xattrs --xattrs-include='*'
  [ "${PIPESTATUS[1]}" = 0 ] || { echo "image:debian: cannot read the stage's archive" >&2; exit 1; }
  set -o pipefail
  [ -x "$root/usr/bin/dpkg" ] || { echo "image:debian: the stage's archive is empty or incomplete" >&2; exit 1; }
  rm -f "$work/disk.img"
  mke2fs -q -t ext4 -b 4096 -L "$FS_LABEL" -U "$FS_UUID" -E "hash_seed=$FS_UUID,root_owner=0:0" \
    -d "$root" "$work/disk.img" "${DISK_MIB}M"
  exit 0
fi

# ---------------------------------------------------------------- options
out=${RVPLAY_DEBIAN_OUT:-$here/out}
work=${RVPLAY_DEBIAN_WORK:-$here/work}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
stage=${RVPLAY_DEBIAN_STAGE:-}
update_lock=0
reuse_stage=0
snapshot=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --stage) stage=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --update-lock) update_lock=1; shift ;;
    --reuse-stage) reuse_stage=1; shift ;;
    --snapshot-only) snapshot=only; shift ;;
    --no-snapshot) snapshot=no; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "image:debian: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out" "$work"
out=$(cd "$out" && pwd)
work=$(cd "$work" && pwd)

# ---------------------------------------------------------------- 7. snapshot
# (a function: run at the end of a build, or alone with --snapshot-only)
snapshot_step() {
  [ -f "$js/snapshot-cli.js" ] || { echo "image:debian: $js is not built (npm run build)" >&2; exit 1; }
  node "$js/snapshot-cli.js" "$out"
}
if [ "$snapshot" = only ]; then
  [ -f "$out/image.json" ] || { echo "image:debian: --snapshot-only: no built image in $out" >&2; exit 1; }
  snapshot_step
  exit 0
fi

find_tool() { # env var, name, usual path
  local v=${!1:-}
  if [ -n "$v" ]; then echo "$v"; return; fi
  command -v "$2" 2>/dev/null || { [ -x "$3" ] && echo "$3"; } || true
}
qemu=$(find_tool QEMU_SYSTEM_RISCV64 qemu-system-riscv64 /usr/bin/qemu-system-riscv64)
if [ -z "$stage" ]; then
  if [ -n "$qemu" ]; then stage=qemu; else stage=rvplay; fi
fi
case "$stage" in
  qemu) [ -n "$qemu" ] || { echo "image:debian: --stage qemu needs qemu-system-riscv64 (apt-get install qemu-system-misc, or set QEMU_SYSTEM_RISCV64)" >&2; exit 1; } ;;
  rvplay) [ -f "$repo/dist/cli/rvplay.js" ] || [ -f "$repo/bin/rvplay.js" ] || { echo "image:debian: rvplay is not built (npm run build)" >&2; exit 1; } ;;
  *) echo "image:debian: --stage is qemu or rvplay, not '$stage'" >&2; exit 2 ;;
esac
missing=()
for t in node dpkg-deb fakeroot mke2fs debugfs dumpe2fs depmod modprobe xz cpio gzip tar sha256sum truncate; do
  command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || [ -x "/sbin/$t" ] || missing+=("$t")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "image:debian: missing tools: ${missing[*]} (apt-get install nodejs dpkg fakeroot e2fsprogs kmod xz-utils cpio gzip tar coreutils)" >&2
  exit 1
fi
export PATH=$PATH:/usr/sbin:/sbin
[ -f "$js/lock-cli.js" ] || { echo "image:debian: $js is not built (npm run build:node)" >&2; exit 1; }

t_start=$(date +%s.%N)
declare -a timings=()
mark() { # name, start
  local t; t=$(date +%s.%N)
  timings+=("$(awk -v n="$1" -v a="$2" -v b="$t" 'BEGIN { printf "%-14s %7.1f s", n, b - a }')")
}
elapsed() { date +%s.%N; }

# ---------------------------------------------------------------- 1. lock
lock=$here/packages.lock
t=$(elapsed)
if [ "$update_lock" = 1 ] || [ ! -f "$lock" ]; then
  node "$js/lock-cli.js" update --list "$here/packages.list" --lock "$lock" --work "$work" --mirror "$mirror" --suite trixie
else
  node "$js/lock-cli.js" check --list "$here/packages.list" --lock "$lock"
fi
SOURCE_DATE_EPOCH=$(node "$js/lock-cli.js" get --lock "$lock" source-date-epoch)
release=$(node "$js/lock-cli.js" get --lock "$lock" release)
export SOURCE_DATE_EPOCH E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
mark lock "$t"

# ---------------------------------------------------------------- 2. fetch
t=$(elapsed)
cache=$work/debs
node "$js/lock-cli.js" fetch --lock "$lock" --mirror "$mirror" --cache "$cache"
node "$js/lock-cli.js" list --lock "$lock" --role essential > "$work/essential.list"
node "$js/lock-cli.js" list --lock "$lock" --role image > "$work/image.list"
cat "$work/essential.list" "$work/image.list" > "$work/all.list"
busybox_deb=$(node "$js/lock-cli.js" list --lock "$lock" --role tool | grep '^busybox-static_')
mark fetch "$t"

kernel_deb=$(grep '^linux-image-[0-9]' "$work/all.list")
KVER=$(dpkg-deb -f "$cache/$kernel_deb" Package | sed 's/^linux-image-//')
if [ "$reuse_stage" = 1 ]; then
  grep -q '^rvplay-stage: done' "$work/stage.log" 2>/dev/null && [ -f "$work/stage.img" ] && grep -qx "KVER=$KVER" "$work/stage.env" ||
    { echo "image:debian: --reuse-stage: no finished stage for this lock in $work" >&2; exit 1; }
  echo "image:debian: reusing the configure stage in $work/stage.img"
else
# ---------------------------------------------------------------- 3. unpack
t=$(elapsed)
cat > "$work/stage.env" <<EOF
SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH
KVER=$KVER
TAR_OFFSET_MIB=$STAGE_FS_MIB
EOF
echo "image:debian: unpacking $(wc -l < "$work/all.list") packages (Debian $release, Linux $KVER)"
fakeroot -- bash "$0" __unpack "$work" "$cache"
mark unpack "$t"
fi
[ -d "$work/stage-tree/usr/lib/modules/$KVER" ] || { echo "image:debian: $work/stage-tree is gone: build without --reuse-stage" >&2; exit 1; }

# ---------------------------------------------------------------- initramfs images
# Two small initramfs images of Debian's static busybox and the kernel's own
# modules (decompressed, in load order): the bootstrap that runs the
# configure stage, and the image's initrd for rvplay (initrd-init.sh).
t=$(elapsed)
rm -rf "$work/kmods" "$work/busybox-x"
mkdir -p "$work/kmods/lib/modules" "$work/busybox-x"
dpkg-deb -x "$cache/$busybox_deb" "$work/busybox-x"
# Which modules, in which order: the host's modprobe reads the riscv64
# modules' own dependency data (depmod on a linked copy).
cp -al "$work/stage-tree/usr/lib/modules/$KVER" "$work/kmods/lib/modules/$KVER"
depmod -b "$work/kmods" "$KVER"
add_modules() { # dir, order file name, modules...
  local dir=$1 order=$2; shift 2
  local n ko name
  n=$(ls "$dir/modules" | grep -c '\.ko$' || true)
  : > "$dir/modules/$order"
  for m in "$@"; do
    modprobe -d "$work/kmods" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
  done | awk '!seen[$0]++' | while read -r ko; do
    name=$(basename "$ko" .xz)
    if ! ls "$dir/modules" | grep -q -- "-$name\$"; then
      n=$((n + 1))
      case "$ko" in *.xz) xz -dc "$ko" > "$dir/modules/$(printf '%02d' "$n")-$name" ;; *) cp "$ko" "$dir/modules/$(printf '%02d' "$n")-$name" ;; esac
    fi
    ls "$dir/modules" | grep -- "-$name\$" >> "$dir/modules/$order"
  done
}
make_initramfs() { # dir, init script, output
  local dir=$1
  mkdir -p "$dir/bin"
  cp "$work/busybox-x/usr/bin/busybox" "$dir/bin/busybox"
  cp "$2" "$dir/init"
  chmod 755 "$dir/init" "$dir/bin/busybox"
  find "$dir" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  (cd "$dir" && find . | sort | cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n > "$3"
}
rm -rf "$work/bootstrap" "$work/initrd"
mkdir -p "$work/bootstrap/modules" "$work/initrd/modules"
add_modules "$work/bootstrap" order virtio_mmio virtio_blk ext4
cp "$work/stage.env" "$work/bootstrap/stage.env"
make_initramfs "$work/bootstrap" "$here/bootstrap-init.sh" "$work/bootstrap.cpio.gz"
add_modules "$work/initrd" order virtio_mmio virtio_blk ext4
add_modules "$work/initrd" order-9p 9pnet_virtio 9p
make_initramfs "$work/initrd" "$here/initrd-init.sh" "$work/initrd.img"
cp "$work/stage-tree/boot/vmlinux-$KVER" "$work/Image"
mark initramfs "$t"

# ---------------------------------------------------------------- 4. stage
if [ "$reuse_stage" = 0 ]; then
t=$(elapsed)
log=$work/stage.log
echo "image:debian: configure stage on $stage (log: $log)"
stage_append="console=ttyS0 panic=-1"
set +e
if [ "$stage" = qemu ]; then
  "$qemu" -M virt -m "$STAGE_MEM_MIB" -smp 2 -display none -monitor none -serial stdio -no-reboot \
    -bios default -kernel "$work/Image" -initrd "$work/bootstrap.cpio.gz" -append "$stage_append" \
    -drive "file=$work/stage.img,format=raw,if=none,id=hd0,cache=unsafe" -device virtio-blk-device,drive=hd0 \
    < /dev/null 2>&1 | tee "$log" | grep --line-buffered '^rvplay-stage:'
else
  node "$repo/bin/rvplay.js" boot --cpus 2 --mem "$STAGE_MEM_MIB" --kernel "$work/Image" --initrd "$work/bootstrap.cpio.gz" \
    --disk "$work/stage.img" --disk-writable --append "$stage_append" \
    < /dev/null 2>&1 | tee "$log" | grep --line-buffered '^rvplay-stage:'
fi
set -e
grep -q '^rvplay-stage: done' "$log" || { echo "image:debian: the configure stage failed; the end of $log:" >&2; tail -40 "$log" >&2; exit 1; }
mark "stage($stage)" "$t"
fi

# ---------------------------------------------------------------- 5. disk
t=$(elapsed)
fakeroot -- bash "$0" __disk "$work"
root=$work/root
# mke2fs -d copies the build tree's access, change and creation times (tar
# can set only modification times): pin them all to SOURCE_DATE_EPOCH.
if (cd "$root" && find . -name '*"*' -o -name "*$(printf '\n')*" | grep -q .); then
  echo "image:debian: a file name holds a quote or a newline; debugfs cannot name it" >&2; exit 1
fi
{
  (cd "$root" && find . -print | sort) | while IFS= read -r f; do
    p=${f#.}; p=${p:-/}
    for fld in atime ctime crtime; do
      echo "set_inode_field \"$p\" $fld @$SOURCE_DATE_EPOCH"
      echo "set_inode_field \"$p\" ${fld}_extra 0"
    done
    echo "set_inode_field \"$p\" mtime_extra 0"
  done
  for fld in atime ctime mtime crtime; do
    echo "set_inode_field /lost+found $fld @$SOURCE_DATE_EPOCH"
    echo "set_inode_field /lost+found ${fld}_extra 0"
  done
} > "$work/disk-times.debugfs"
debugfs -w -f "$work/disk-times.debugfs" "$work/disk.img" > /dev/null 2> "$work/debugfs.err" || { cat "$work/debugfs.err" >&2; exit 1; }
if grep -v '^debugfs ' "$work/debugfs.err" | grep -q .; then cat "$work/debugfs.err" >&2; exit 1; fi
mark disk "$t"

# ---------------------------------------------------------------- 6. outputs
t=$(elapsed)
cp "$work/Image" "$out/Image"
cp "$work/initrd.img" "$out/initrd.img"
mv "$work/disk.img" "$out/disk.img"
node "$js/disk-base-cli.js" write "$out/disk.img" "$out" --chunk-size 65536
node "$js/disk-base-cli.js" verify "$out" --raw "$out/disk.img"
gzip -9 -n -c "$out/Image" > "$out/Image.gz"
rm -f "$out/snapshot.rvsnap" # made for the last build's files
node "$js/image-manifest-cli.js" write --out "$out" --lock "$lock" --kernel-version "$KVER" --append "$APPEND"
mark base "$t"

# ---------------------------------------------------------------- summary
total=$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
blocks=$(dumpe2fs -h "$out/disk.img" 2>/dev/null | awk -F: '/^Block count/ { c = $2 } /^Free blocks/ { f = $2 } /^Block size/ { b = $2 } END { printf "%d", (c - f) * b }')
chunked=$(du -cb "$out"/chunks/*.gz | tail -1 | cut -f1)
nchunks=$(ls "$out/chunks" | wc -l)
entries=$(grep -c '^    ' "$out/disk.json")
zero=$(grep -c '^    null' "$out/disk.json" || true)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo
echo "image:debian: Debian $release riscv64, Linux $KVER, $(node "$js/lock-cli.js" get --lock "$lock" packages) packages -> $out"
printf '  %s\n' "${timings[@]}"
printf '  %-14s %7.1f s\n' total "$total"
echo "  Image       $(mib "$(stat -c %s "$out/Image")")"
echo "  initrd.img  $(mib "$(stat -c %s "$out/initrd.img")")"
echo "  disk.img    $(mib "$(stat -c %s "$out/disk.img")") raw, $(mib "$blocks") used"
echo "  disk base   $entries chunks of 64 KiB: $zero all-zero, $nchunks stored, $(mib "$chunked") gzip"
echo "  sha256      $(sha256sum "$out/disk.img" | cut -d' ' -f1)  disk.img"
echo "  Image.gz    $(mib "$(stat -c %s "$out/Image.gz")")"

if [ "$snapshot" = yes ]; then
  t=$(elapsed)
  snapshot_step
  echo "  snapshot       $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }'), $(mib "$(stat -c %s "$out/snapshot.rvsnap")")"
fi
