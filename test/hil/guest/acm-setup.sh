#!/bin/sh
# Root part of the CDC-ACM case: dummy_hcd makes the guest both USB host and USB device; a
# configfs gadget with one ACM function is the reference phone's own serial interface
# (1209:0004, serial FUMOACM0001). The phone (acm-phone.mjs, run as root in the background)
# binds the gadget to the UDC when it "powers on" and unbinds it when it reboots, so the kiosk
# sees the USB device come and go as with a real phone.
set -e
modprobe configfs 2>/dev/null || true
grep -q ' /sys/kernel/config ' /proc/mounts || mount -t configfs configfs /sys/kernel/config
# HIL_UDCS: how many UDCs dummy_hcd makes (two phones need two); HIL_UDC_INDEX: which one this phone uses.
modprobe dummy_hcd num="${HIL_UDCS:-1}"
UDC="$(ls /sys/class/udc | sed -n "$((${HIL_UDC_INDEX:-0} + 1))p")"
modprobe libcomposite
modprobe usb_f_acm
G=/sys/kernel/config/usb_gadget/fumo-phone
mkdir -p "$G"
echo 0x1209 > "$G/idVendor"
echo 0x0004 > "$G/idProduct"
mkdir -p "$G/strings/0x409"
echo FUMOACM0001 > "$G/strings/0x409/serialnumber"
echo "fumo-kiosk reference" > "$G/strings/0x409/manufacturer"
echo "Reference phone (CDC ACM)" > "$G/strings/0x409/product"
mkdir -p "$G/configs/c.1/strings/0x409"
echo "DM over OBEX" > "$G/configs/c.1/strings/0x409/configuration"
mkdir -p "$G/functions/acm.phone"
ln -s "$G/functions/acm.phone" "$G/configs/c.1/"
cd /hil/src
# The phone's log goes to the console, beside the kiosk's lines, and to /tmp/phone-acm.log.
HIL_GADGET="$G" HIL_UDC="$UDC" node /hil/bundle/acm-phone.mjs 2>&1 | tee /tmp/phone-acm.log &
echo "acm-setup: gadget ready on $UDC"
