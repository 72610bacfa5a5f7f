#!/bin/sh
# Root part of the two-phone case: two UDCs on dummy_hcd, the CDC ACM phone on the first and the
# vendor-USB phone (another DevId) on the second, both plugged in at once.
set -e
export HIL_UDCS=2
HIL_UDC_INDEX=0 sh /hil/bundle/acm-setup.sh
HIL_UDC_INDEX=1 HIL_DEVID=IMEI:352099000000022 sh /hil/bundle/usb-setup.sh
