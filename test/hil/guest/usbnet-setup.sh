#!/bin/sh
# Root part of the USB network case: dummy_hcd makes the guest both USB host and USB device; a
# configfs gadget with one NCM function is the reference phone's USB network interface
# (1209:0003, serial FUMONET0001, profile reference-http). The two ends of the link live in one
# kernel, so the phone's end (the gadget's interface) goes into a network namespace of its own:
# nothing but the USB link joins it to the kiosk's side, and every byte between them crosses the
# gadget. The kiosk's end (the cdc_ncm interface the host stack makes) is found by the MAC the
# gadget gives it, never by its name, and gets its address from a udev rule matching that MAC, as
# a kiosk's network configuration would. What was found goes to /tmp/usbnet.env for the case.
# The phone (usbnet-phone.mjs, root, in the phone's namespace, in the background) calls the
# kiosk's DM endpoint at 192.168.7.1.
set -e
KIOSK_MAC=02:46:4b:00:00:01
PHONE_MAC=02:46:4b:00:00:02
KIOSK_ADDR=192.168.7.1
PHONE_ADDR=192.168.7.2
DM_PORT=4080
for m in usb_f_ncm cdc_ncm; do
  if ! modprobe -n "$m" 2>/dev/null; then
    echo "usbnet-setup: the guest kernel has no module $m ($(ls /usr/lib/modules/"$(uname -r)"/kernel/drivers/usb/gadget/function/ | tr '\n' ' '))" >&2
    exit 3
  fi
done
modprobe configfs 2>/dev/null || true
grep -q ' /sys/kernel/config ' /proc/mounts || mount -t configfs configfs /sys/kernel/config
modprobe dummy_hcd num="${HIL_UDCS:-1}"
UDC="$(ls /sys/class/udc | sed -n "$((${HIL_UDC_INDEX:-0} + 1))p")"
modprobe libcomposite
modprobe usb_f_ncm
modprobe cdc_ncm
G=/sys/kernel/config/usb_gadget/fumo-net
mkdir -p "$G"
echo 0x1209 > "$G/idVendor"
echo 0x0003 > "$G/idProduct"
mkdir -p "$G/strings/0x409"
echo FUMONET0001 > "$G/strings/0x409/serialnumber"
echo "fumo-kiosk reference" > "$G/strings/0x409/manufacturer"
echo "Reference phone (USB network)" > "$G/strings/0x409/product"
mkdir -p "$G/configs/c.1/strings/0x409"
echo "DM over HTTP" > "$G/configs/c.1/strings/0x409/configuration"
mkdir -p "$G/functions/ncm.phone"
echo "$PHONE_MAC" > "$G/functions/ncm.phone/dev_addr"
echo "$KIOSK_MAC" > "$G/functions/ncm.phone/host_addr"
ln -s "$G/functions/ncm.phone" "$G/configs/c.1/"
# The kiosk's network configuration: the cable's interface, matched by the MAC the phone gives
# it, gets the kiosk's address each time it appears (the phone's reboot takes it away).
# The program runs once udev has named the interface: it finds it by the MAC again.
cat > /run/fumo-usbnet-up.sh <<EOF
#!/bin/sh
for n in /sys/class/net/*; do
  if [ "\$(cat "\$n/address" 2>/dev/null)" = "$KIOSK_MAC" ]; then
    /usr/sbin/ip addr replace $KIOSK_ADDR/24 dev "\${n##*/}" && /usr/sbin/ip link set "\${n##*/}" up
    echo "\${n##*/} $KIOSK_ADDR (\$?)" >> /run/fumo-usbnet-up.log
  fi
done
EOF
chmod 0755 /run/fumo-usbnet-up.sh
printf '%s\n' "SUBSYSTEM==\"net\", ACTION==\"add\", ATTR{address}==\"$KIOSK_MAC\", RUN+=\"/run/fumo-usbnet-up.sh\"" > /run/udev/rules.d/80-fumo-usbnet.rules
udevadm control --reload
echo "$UDC" > "$G/UDC"
PHONE_IF="$(cat "$G/functions/ncm.phone/ifname")"
# The host side enumerates a moment after the bind: look for the MAC (bounded, 60 s).
KIOSK_IF=
i=0
while [ -z "$KIOSK_IF" ] && [ "$i" -lt 600 ]; do
  for n in /sys/class/net/*; do
    if [ "$(cat "$n/address" 2>/dev/null)" = "$KIOSK_MAC" ]; then KIOSK_IF="$(basename "$n")"; fi
  done
  [ -n "$KIOSK_IF" ] || sleep 0.1
  i=$((i + 1))
done
if [ -z "$KIOSK_IF" ]; then
  echo "usbnet-setup: no interface with MAC $KIOSK_MAC appeared after the gadget was bound to $UDC" >&2
  ls -l /sys/class/net >&2
  exit 4
fi
# udev may still rename it (enx<MAC>): once its events are done, the name by MAC again.
udevadm settle --timeout=30
cat /run/fumo-usbnet-up.log 2>/dev/null || echo "usbnet-setup: the udev rule has not run" >&2
for n in /sys/class/net/*; do
  if [ "$(cat "$n/address" 2>/dev/null)" = "$KIOSK_MAC" ]; then KIOSK_IF="$(basename "$n")"; fi
done
ip netns add phone
ip link set "$PHONE_IF" netns phone
ip -n phone link set lo up
ip -n phone addr add "$PHONE_ADDR/24" dev "$PHONE_IF"
ip -n phone link set "$PHONE_IF" up
ip -o addr show dev "$KIOSK_IF"
ip -n phone -o addr show dev "$PHONE_IF"
{
  echo "KIOSK_IF=$KIOSK_IF"
  echo "KIOSK_MAC=$KIOSK_MAC"
  echo "KIOSK_ADDR=$KIOSK_ADDR"
  echo "PHONE_IF=$PHONE_IF"
  echo "PHONE_ADDR=$PHONE_ADDR"
  echo "DM_PORT=$DM_PORT"
} > /tmp/usbnet.env
chmod 0644 /tmp/usbnet.env
echo "usbnet-setup: gadget on $UDC; kiosk side $KIOSK_IF ($KIOSK_MAC, $(basename "$(readlink "/sys/class/net/$KIOSK_IF/device/driver")")) $KIOSK_ADDR; phone side $PHONE_IF in namespace phone $PHONE_ADDR"
cd /hil/src
# The phone's log goes to the console, beside the kiosk's lines, and to /tmp/phone-usbnet.log.
# `ip netns exec` mounts a /sys of the namespace's own, without configfs: the phone reaches its
# gadget through a second mount of configfs (the same tree) under /run.
mkdir -p /run/fumo-configfs
mount -t configfs configfs /run/fumo-configfs
HIL_GADGET=/run/fumo-configfs/usb_gadget/fumo-net HIL_UDC="$UDC" HIL_DM_URL="http://$KIOSK_ADDR:$DM_PORT/dm" HIL_PHONE_IF="$PHONE_IF" ip netns exec phone node /hil/bundle/usbnet-phone.mjs 2>&1 | tee /tmp/phone-usbnet.log &
