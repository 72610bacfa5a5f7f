#!/bin/busybox sh
# First stage of the HIL guest: load the virtio and 9p modules, mount the rootfs and the shares
# (tags rootfs, src, nm, bundle) over 9p, then hand over to the guest's init in the checkout.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do
  [ -n "$m" ] && insmod "/modules/$m" 2>/dev/null
done < /modules/order
opts=trans=virtio,version=9p2000.L,msize=524288,cache=loose
fail() { echo "hil-initramfs: $*"; echo 3 > /proc/sysrq-trigger 2>/dev/null; poweroff -f; }
mount -t 9p -o "$opts,ro" rootfs /newroot || fail "cannot mount the rootfs"
mount -t 9p -o "$opts,ro" src /newroot/hil/src || fail "cannot mount the checkout"
mount -t 9p -o "$opts,ro" nm /newroot/hil/node_modules || fail "cannot mount node_modules"
mount -t 9p -o "trans=virtio,version=9p2000.L,msize=524288" bundle /newroot/hil/bundle || fail "cannot mount the bundle folder"
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /bin/sh /hil/bundle/init.sh
