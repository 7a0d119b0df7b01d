#!/bin/busybox sh
# /init of the bootstrap initramfs that runs the configure stage inside the
# emulated riscv64 machine (QEMU's virt board or rvplay). It is root there:
# it mounts the half-made system (/dev/vda, files unpacked on the host),
# runs stage2.sh in it with chroot, then streams the finished tree as a tar
# archive to the disk past the end of the file system (where the host reads
# it back), and powers off. Busybox is Debian's busybox-static; the modules
# are Debian's kernel's, listed in /modules/order by the host.
/bin/busybox mkdir -p /proc /sys /dev /root /tmp
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "rvplay-stage: $*"; }
die() {
	say "FAILED: $*"
	sync
	poweroff -f
	sleep 10
}

for m in $(cat /modules/order); do
	insmod "/modules/$m" || die "insmod $m"
done
. /stage.env
i=0
while [ ! -b /dev/vda ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && die "no /dev/vda"
	sleep 0.1
done
mount -t ext4 -o rw,noatime /dev/vda /root || die "mount /dev/vda"
mount -t proc proc /root/proc
mount -t sysfs sysfs /root/sys
mount -o bind /dev /root/dev
mkdir -p /root/dev/pts
mount -t devpts devpts /root/dev/pts
mount -t tmpfs tmpfs /root/run
mount -t tmpfs tmpfs /root/tmp

say "configure stage starts"
chroot /root /bin/sh /rvplay-stage/stage2.sh
status=$?
say "stage2 exit $status"
[ "$status" = 0 ] || die "stage2.sh"

umount /root/tmp /root/run /root/dev/pts /root/dev /root/sys /root/proc || die "umount"
rm -rf /root/rvplay-stage
# The archive: sorted, numeric owners, no atime/ctime, every mtime at most
# SOURCE_DATE_EPOCH (files made during the stage carry the guest's clock),
# extended attributes kept (file capabilities). GNU tar of the new system.
say "exporting the tree to /dev/vda at $TAR_OFFSET_MIB MiB"
set -o pipefail
chroot /root tar --create --file=- --directory=/ --numeric-owner --sort=name \
	--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	--mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime --xattrs --xattrs-include='*' \
	--exclude=./lost+found . | dd of=/dev/vda bs=1M seek="$TAR_OFFSET_MIB" conv=notrunc 2>/tmp/dd.err
status=$?
[ "$status" = 0 ] || { cat /tmp/dd.err; die "tar export"; }
sync
umount /root || die "umount /root"
sync
say "done"
poweroff -f
sleep 10
