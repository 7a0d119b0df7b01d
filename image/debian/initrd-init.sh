#!/bin/busybox sh
# /init of the Debian image's initramfs for rvplay (out/initrd.img). Debian's
# kernel builds the virt board's disk drivers and ext4 as modules, so
# something must load them before the root file system can be mounted; this
# does only that: load the modules in /modules/order, mount root= (rw or ro,
# rootfstype=, rootflags=) and switch_root to init= (default /sbin/init,
# systemd). No udev here: the kernel's devtmpfs names /dev/vda, and systemd's
# udev does the rest after the switch. Much less work on an emulated CPU than
# initramfs-tools' image (which the guest's /boot keeps, for other loaders).
# rootfstype=9p mounts root= over virtio-9p (trans=virtio, 9P2000.L).
# Busybox is Debian's busybox-static; the modules are the image's own.
/bin/busybox mkdir -p /proc /sys /dev /root
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() {
	echo "rvplay initramfs: $*" >/dev/console
	echo "rvplay initramfs: a shell on the console; fix and exit to retry, or power off" >/dev/console
	setsid sh -c 'exec sh </dev/console >/dev/console 2>&1'
}

root="" fstype=ext4 mode=rw flags="" init=/sbin/init
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	root=*) root=${arg#root=} ;;
	rootfstype=*) fstype=${arg#rootfstype=} ;;
	rootflags=*) flags=${arg#rootflags=} ;;
	init=*) init=${arg#init=} ;;
	ro) mode=ro ;;
	rw) mode=rw ;;
	esac
done

load() {
	for m in $(cat "/modules/$1"); do
		insmod "/modules/$m" || fail "cannot load $m"
	done
}
load order
if [ "$fstype" = 9p ]; then
	load order-9p
	flags="trans=virtio,version=9p2000.L${flags:+,$flags}"
fi

while :; do
	case "$root" in
	"") fail "no root= on the kernel command line"; continue ;;
	UUID=* | LABEL=*) dev=$(findfs "$root" 2>/dev/null) ;;
	*) dev=$root ;;
	esac
	if [ "$fstype" != 9p ]; then
		# The virtio disk is probed as its module loads; a slow disk gets 30 s.
		i=0
		while [ -z "$dev" ] || [ ! -b "$dev" ]; do
			i=$((i + 1))
			[ $i -gt 300 ] && break
			sleep 0.1
			case "$root" in UUID=* | LABEL=*) dev=$(findfs "$root" 2>/dev/null) ;; esac
		done
	fi
	mount -t "$fstype" -o "$mode${flags:+,$flags}" "$dev" /root && [ -x "/root$init" ] && break
	umount /root 2>/dev/null
	fail "cannot mount root=$root ($fstype, $mode) with $init on it"
done

umount /proc /sys
mount --move /dev /root/dev || umount /dev
exec switch_root /root "$init"
