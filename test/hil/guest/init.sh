#!/bin/sh
# Second stage of the HIL guest (PID 1 in the rootfs): writable /tmp and /run, the kiosk's udev
# rule, udevd with the boot's coldplug events, then the job: /hil/bundle/setup.sh as root when
# present, /hil/bundle/job.sh as the kiosk user. The job's exit status goes back to the host
# through isa-debug-exit (QEMU exits with 2*status+1).
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs tmpfs /hil/work
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs tmpfs /dev/shm
mount -t configfs configfs /sys/kernel/config 2>/dev/null
hostname hil-guest
mkdir -p /run/udev/rules.d /tmp/kiosk
cp /hil/src/resources/udev/*.rules /run/udev/rules.d/
chown kiosk:kiosk /tmp/kiosk
/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add --type=subsystems
udevadm trigger --action=add --type=devices
udevadm settle --timeout=30
# The control port to the host's rig (virtio-serial "hil.ctl"), handed to the kiosk user.
for p in /sys/class/virtio-ports/*; do
  if [ "$(cat "$p/name" 2>/dev/null)" = hil.ctl ]; then
    ln -sf "/dev/$(basename "$p")" /dev/hil-ctl
    chown kiosk "/dev/$(basename "$p")"
  fi
done
rc=0
if [ -x /hil/bundle/setup.sh ]; then
  /hil/bundle/setup.sh || rc=$?
fi
if [ "$rc" -eq 0 ]; then
  cd /hil/src
  setpriv --reuid=kiosk --regid=kiosk --init-groups env HOME=/tmp/kiosk /bin/sh /hil/bundle/job.sh
  rc=$?
fi
echo "hil-guest: job exit status $rc"
# A job killed by a signal (128 + n, e.g. 139 for SIGSEGV): the kernel's own lines about it name
# the program and the library the fault was in.
[ "$rc" -gt 128 ] && dmesg | grep -iE 'segfault|general protection|trap|killed process' | tail -n 5 | sed 's/^/hil-guest: kernel: /'
[ "$rc" -gt 127 ] && rc=127
printf "\\$(printf %03o "$rc")" | dd of=/dev/port bs=1 seek=244 count=1 conv=notrunc status=none
echo o > /proc/sysrq-trigger
sleep 10
