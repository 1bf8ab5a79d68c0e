# shellcheck shell=sh
# A native driver that got there first (built in, or loaded early).
modprobe e1000
n=0
while [ ! -e /sys/bus/pci/devices/0000:00:03.0/driver ] && [ $n -lt 50 ]; do
    sleep 0.2
    n=$((n + 1))
done
echo "pre-binder: 0000:00:03.0 driver: $(readlink /sys/bus/pci/devices/0000:00:03.0/driver)"
