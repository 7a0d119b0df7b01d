#!/bin/sh
# The configure stage of the Debian image, inside the emulated riscv64
# machine, as its root, chrooted into the new system by bootstrap-init.sh.
# The host unpacked every .deb with dpkg-deb -x (enough to run dpkg and the
# maintainer scripts); here dpkg installs them properly: ownership and modes
# as root, its database, the maintainer scripts of riscv64. This is
# debootstrap's second stage, without chroot or binfmt on the host.
set -eu
. /rvplay-stage/stage.env
export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true
export LC_ALL=C.UTF-8 LANGUAGE= TZ=UTC
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# mkinitramfs and others make reproducible output when this is set.
export SOURCE_DATE_EPOCH
# The kernel's postinst makes no initramfs yet: the configuration it needs
# (overlay/etc/initramfs-tools) is added after dpkg; one is made at the end.
export INITRD=No

say() { echo "rvplay-stage: $*"; }
# Elapsed time by the guest's clock, for the build log.
now() { cut -d' ' -f1 /proc/uptime; }
t0=$(now)
step() { say "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%6.1f s", b - a }') $*"; }

# Every file made here gets the archive's date (the tar export clamps
# modification times to it; the host pins the rest).
date -u -s "@$SOURCE_DATE_EPOCH" >/dev/null

/sbin/ldconfig
# No service starts while packages are configured (policy-rc.d(8)).
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d

cd /rvplay-stage/debs
step "installing $(wc -l </rvplay-stage/essential.list) essential packages"
# shellcheck disable=SC2046
dpkg --force-depends --install $(cat /rvplay-stage/essential.list)
step "unpacking $(wc -l </rvplay-stage/image.list) more packages"
# Their files are all on the disk already, so a Pre-Depends is met in fact
# if not yet in dpkg's books: unpack in any order, then let dpkg configure
# them in dependency order.
# shellcheck disable=SC2046
dpkg --force-depends --unpack $(cat /rvplay-stage/image.list)
step "configuring them"
dpkg --configure --pending
audit=$(dpkg --audit || true)
if [ -n "$audit" ]; then
	echo "$audit"
	say "dpkg --audit found half-installed packages"
	exit 1
fi
step "$(dpkg-query -f '${db:Status-Abbrev}\n' -W | grep -c '^ii') packages installed"
# Where the time went: the slowest steps of dpkg's log (one-second clock).
awk '{ split($2, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]; if (NR > 1 && s - p > 2) print s - p " s after: " a; p = s; a = $3 " " $4 " " $5 }' \
	/var/log/dpkg.log | sort -rn | head -12 | sed 's/^/rvplay-stage:   /'


# The image's own configuration (hostname, fstab, network, console login,
# initramfs contents, apt sources): overlay/ of the recipe.
cp -a /rvplay-stage/overlay/. /
chown -R 0:0 /etc/hostname /etc/hosts /etc/fstab /etc/network/interfaces.d /etc/systemd/system/serial-getty@.service.d \
	/etc/initramfs-tools/conf.d /etc/initramfs-tools/hooks /etc/apt/sources.list.d /etc/locale.conf /etc/systemd/system.conf.d

# Boot does less on an emulated CPU, where every process costs: a machine
# with a serial console only runs no getty on the virtual terminals (nothing
# shows them); no e2scrub_reap (it looks for LVM snapshots: there are none);
# no modprobe of drm (the virt board has no display) or efi_pstore (no EFI).
systemctl mask getty-static.service getty@tty1.service e2scrub_reap.service \
	modprobe@drm.service modprobe@efi_pstore.service

step "making the initramfs"
update-initramfs -c -k "$KVER"
initrd=/boot/initrd.img-$KVER
for m in virtio_mmio virtio_blk ext4 virtio_net 9pnet_virtio 9p; do
	lsinitramfs "$initrd" | grep -q "/$m\.ko" || { say "the initramfs lacks $m"; exit 1; }
done

# Per-machine state is made at first boot, not baked in: an empty
# machine-id (machine-id(5): systemd makes a transient one each boot and it
# is not a "first boot"), no D-Bus copy, no random seed.
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id /var/lib/systemd/random-seed
# What only the build used, and what records when it ran.
rm -f /usr/sbin/policy-rc.d
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb
rm -f /var/cache/ldconfig/aux-cache /var/cache/debconf/*-old /var/lib/dpkg/*-old
find /var/log -type f -exec sh -c ': >"$1"' _ {} \;
/sbin/ldconfig
rm -f /var/cache/ldconfig/aux-cache
# /etc and /var are up to date with /usr (the tar export gives /usr the
# archive's date, older than these stamps): the first boot skips the
# ConditionNeedsUpdate= units (ldconfig, hwdb, journal catalog) that the
# build has done already.
/usr/lib/systemd/systemd-update-done

step "configured: $(du -sxm / | cut -f1) MiB used"
