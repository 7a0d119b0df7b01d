#!/usr/bin/env bash
# Builds the rvplay sample image from Debian 12 packages only, reproducibly
# (same inputs, same bytes), into public/images/:
#
#   fw_dynamic.bin.gz   OpenSBI 1.1, generic platform (Debian's opensbi package)
#   Image.gz         Linux 6.1 (linux-source-6.1) for the virt board, with an
#                    embedded initramfs: static busybox (Debian's busybox source)
#   disk.img.gz      an ext4 image for /dev/vda with a few files
#   manifest.json    names, sizes, SHA-256 and the Debian package versions used
#
# Needs (as root on Debian 12):
#   echo 'deb-src http://deb.debian.org/debian bookworm main' > /etc/apt/sources.list.d/src.list
#   (where the deb lines name a key with Signed-By, the deb-src line must name
#   the same: 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ...')
#   apt-get update
#   apt-get install linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross opensbi bc bison flex \
#       libssl-dev cpio e2fsprogs dpkg-dev xz-utils gzip
# then: image/build.sh        (about 5-10 minutes on 2 cores)
# Environment: CROSS_COMPILE (default riscv64-linux-gnu-), JOBS (default nproc),
# RVPLAY_IMAGE_WORK (build tree, default image/work, git-ignored).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
work=${RVPLAY_IMAGE_WORK:-$here/work}
out=$repo/public/images
cross=${CROSS_COMPILE:-riscv64-linux-gnu-}
jobs=${JOBS:-$(nproc)}
opensbi_dir=${OPENSBI_DIR:-/usr/lib/riscv64-linux-gnu/opensbi/generic}
linux_tar=${LINUX_SOURCE_TAR:-/usr/src/linux-source-6.1.tar.xz}

# Everything that could leak the build's time, user or host is pinned.
export SOURCE_DATE_EPOCH=1735689600 # 2025-01-01 00:00:00 UTC
export KBUILD_BUILD_TIMESTAMP="2025-01-01 00:00:00 UTC"
export KBUILD_BUILD_USER=rvplay KBUILD_BUILD_HOST=rvplay KBUILD_BUILD_VERSION=1
export E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C

for tool in "${cross}gcc" make bison flex bc cpio mke2fs debugfs gzip sha256sum dpkg-query; do
  command -v "$tool" >/dev/null || { echo "build.sh: missing $tool (see the header of this script)" >&2; exit 1; }
done
[ -f "$linux_tar" ] || { echo "build.sh: $linux_tar not found: apt-get install linux-source-6.1" >&2; exit 1; }
[ -f "$opensbi_dir/fw_dynamic.bin" ] || { echo "build.sh: $opensbi_dir/fw_dynamic.bin not found: apt-get install opensbi" >&2; exit 1; }

mkdir -p "$work" "$out"
cd "$work"

# ---- busybox, static ----
bb_version=$(dpkg-query -W -f='${Version}' busybox 2>/dev/null || true)
if [ ! -d busybox-src ]; then
  rm -rf bb-get && mkdir bb-get
  (cd bb-get && apt-get source -qq busybox)
  mv bb-get/busybox-*/ busybox-src
  bb_src_version=$(sed -n 's/^Version: //p' bb-get/busybox_*.dsc)
  echo "$bb_src_version" > busybox-src/.debian-version
  rm -rf bb-get
fi
bb_src_version=$(cat busybox-src/.debian-version)
(
  cd busybox-src
  make -s defconfig
  sed -i -e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' .config
  (set +o pipefail; yes '' | make -s oldconfig >/dev/null 2>&1)
  make -s CROSS_COMPILE="$cross" -j"$jobs" busybox 2>&1 | grep -v -e 'warning:' -e 'statically linked' || true
  make -s CROSS_COMPILE="$cross" busybox.links >/dev/null
  test -x busybox
  # The applets the image promises (init and console, clock, network, shared
  # folder) must be in this busybox: defconfig could change under us.
  missing=0
  for applet in init cttyhack sh mount hwclock date ip ifconfig route udhcpc wget nc ping nslookup httpd tr; do
    grep -q "/$applet\$" busybox.links || { echo "busybox lacks the applet $applet" >&2; missing=1; }
  done
  [ "$missing" = 0 ]
)

# ---- our own tools for the image ----
"${cross}gcc" -static -O2 -Wall -o smp-stress "$here/tools/smp-stress.c"
"${cross}strip" smp-stress

# Files enter the initramfs with their mtimes: pin them (the checkout's and
# the build's own dates differ from machine to machine).
rm -rf rootfs && cp -r "$here/rootfs" rootfs
touch -d "@$SOURCE_DATE_EPOCH" busybox-src/busybox smp-stress
find rootfs -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# ---- initramfs description (usr/gen_init_cpio format; no root needed) ----
list=$work/initramfs.list
{
  # The system's directories and every directory of rootfs/ (a file's
  # parent must come before it: sorted, a parent precedes its children).
  { printf '%s\n' /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /tmp /mnt /root /etc /var /run
    (cd rootfs && find . -mindepth 1 -type d) | sed 's/^\.//'
  } | sort -u | while read -r d; do
    echo "dir $d 755 0 0"
  done
  echo "nod /dev/console 600 0 0 c 5 1"
  echo "nod /dev/null 666 0 0 c 1 3"
  echo "file /bin/busybox $work/busybox-src/busybox 755 0 0"
  echo "slink /init /bin/busybox 777 0 0"
  echo "file /usr/bin/smp-stress $work/smp-stress 755 0 0"
  sort -u busybox-src/busybox.links | while read -r applet; do
    [ "$applet" = /bin/busybox ] || echo "slink $applet /bin/busybox 777 0 0"
  done
  (cd rootfs && find . -type f | sort) | while read -r f; do
    mode=644; [ -x "rootfs/$f" ] && mode=755
    echo "file ${f#.} $work/rootfs/${f#./} $mode 0 0"
  done
} > "$list"

# ---- Linux ----
if [ ! -d linux-src ]; then
  rm -rf linux-get && mkdir linux-get
  tar -xf "$linux_tar" -C linux-get
  mv linux-get/linux-source-6.1 linux-src
  rm -rf linux-get
fi
frag=$work/linux.fragment
{ cat "$here/linux.fragment"; echo "CONFIG_INITRAMFS_SOURCE=\"$list\""; } > "$frag"
kmake() { make -C linux-src ARCH=riscv CROSS_COMPILE="$cross" -j"$jobs" "$@"; }
kmake -s KCONFIG_ALLCONFIG="$frag" allnoconfig
# Every option we asked for must have taken (a misspelt or dependent option
# silently disappears otherwise).
missing=0
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  opt=${line%%=*}; val=${line#*=}
  if [ "$val" = n ]; then
    grep -q "^$opt=" linux-src/.config && { echo "kernel option $opt should be off" >&2; missing=1; }
  else
    grep -qxF "$line" linux-src/.config || { echo "kernel option not applied: $line" >&2; missing=1; }
  fi
done < "$frag"
[ "$missing" = 0 ] || exit 1
kmake -s Image

# ---- disk ----
disk_root=$work/disk-root
rm -rf "$disk_root" && cp -r "$here/rootfs-disk" "$disk_root"
find "$disk_root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rm -f disk.img
mke2fs -q -t ext4 -b 4096 -L rvplay -U 5f0e2d1c-0b1a-4c3d-9e8f-726f76706c61 \
  -E hash_seed=5f0e2d1c-0b1a-4c3d-9e8f-726f76706c61,root_owner=0:0 \
  -d "$disk_root" disk.img 32M
# mke2fs -d copies ctime and creation time from the build tree (they cannot
# be set by touch): pin every time field of every inode.
{
  (cd "$disk_root" && find . | sort) | while read -r f; do
    path=${f#.}; path=${path:-/}
    for field in atime ctime mtime crtime; do
      echo "set_inode_field \"$path\" $field @$SOURCE_DATE_EPOCH"
      echo "set_inode_field \"$path\" ${field}_extra 0"
    done
  done
  for field in atime ctime mtime crtime; do
    echo "set_inode_field /lost+found $field @$SOURCE_DATE_EPOCH"
    echo "set_inode_field /lost+found ${field}_extra 0"
  done
} > disk-times.debugfs
debugfs -w -f disk-times.debugfs disk.img >/dev/null 2>debugfs.err || { cat debugfs.err >&2; exit 1; }
if grep -v '^debugfs' debugfs.err | grep -q .; then cat debugfs.err >&2; exit 1; fi

# ---- artefacts ----
cp linux-src/arch/riscv/boot/Image Image
cp "$opensbi_dir/fw_dynamic.bin" fw_dynamic.bin
for f in fw_dynamic.bin Image disk.img; do
  gzip -9 -n -c "$f" > "$out/$f.gz"
done

ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
entry() {
  local name=$1 raw=$2
  printf '    { "name": "%s", "file": "%s.gz", "size": %s, "sha256": "%s", "gzSize": %s, "gzSha256": "%s" }' \
    "$name" "$name" "$(stat -c %s "$raw")" "$(sha256sum < "$raw" | cut -d' ' -f1)" \
    "$(stat -c %s "$out/$name.gz")" "$(sha256sum < "$out/$name.gz" | cut -d' ' -f1)"
}
cat > "$out/manifest.json" <<JSON
{
  "format": 1,
  "description": "rvplay sample image: OpenSBI fw_dynamic, Linux 6.1 with a busybox initramfs, ext4 disk",
  "files": [
$(entry fw_dynamic.bin fw_dynamic.bin),
$(entry Image Image),
$(entry disk.img disk.img)
  ],
  "sources": {
    "linux-source-6.1": "$(ver linux-source-6.1)",
    "busybox (source package)": "$bb_src_version",
    "opensbi": "$(ver opensbi)",
    "gcc-riscv64-linux-gnu": "$(ver gcc-riscv64-linux-gnu)"
  }
}
JSON
echo "image/build.sh: wrote $out"
ls -l "$out"
