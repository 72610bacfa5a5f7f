#!/bin/sh
# Root part of the vendor-USB case: dummy_hcd makes the guest both USB host and USB device; a
# configfs gadget with one FunctionFS function is the reference phone's vendor-class OBEX
# interface (1209:0002, serial FUMOUSB0001). The phone (usb-phone.mjs, root, in the background)
# writes the function's descriptors and binds the gadget to the UDC itself.
set -e
modprobe configfs 2>/dev/null || true
grep -q ' /sys/kernel/config ' /proc/mounts || mount -t configfs configfs /sys/kernel/config
# HIL_UDCS: how many UDCs dummy_hcd makes (two phones need two); HIL_UDC_INDEX: which one this phone uses.
modprobe dummy_hcd num="${HIL_UDCS:-1}"
UDC="$(ls /sys/class/udc | sed -n "$((${HIL_UDC_INDEX:-0} + 1))p")"
modprobe libcomposite
modprobe usb_f_fs
G=/sys/kernel/config/usb_gadget/fumo-usb
mkdir -p "$G"
echo 0x1209 > "$G/idVendor"
echo 0x0002 > "$G/idProduct"
mkdir -p "$G/strings/0x409"
echo FUMOUSB0001 > "$G/strings/0x409/serialnumber"
echo "fumo-kiosk reference" > "$G/strings/0x409/manufacturer"
echo "Reference phone (USB OBEX)" > "$G/strings/0x409/product"
mkdir -p "$G/configs/c.1/strings/0x409"
echo "DM over OBEX" > "$G/configs/c.1/strings/0x409/configuration"
mkdir -p "$G/functions/ffs.phone"
ln -s "$G/functions/ffs.phone" "$G/configs/c.1/"
mkdir -p /dev/ffs-phone
mount -t functionfs phone /dev/ffs-phone
cd /hil/src
# The phone's log goes to the console, beside the kiosk's lines, and to /tmp/phone-usb.log.
HIL_GADGET="$G" HIL_UDC="$UDC" node /hil/bundle/usb-phone.mjs 2>&1 | tee /tmp/phone-usb.log &
echo "usb-setup: gadget ready on $UDC"
