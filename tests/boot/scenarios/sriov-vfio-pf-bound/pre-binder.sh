# shellcheck shell=sh
# The PF's native driver got there first (built in, or loaded early):
# pf=vfio-pci must take the PF from nvme once and still create the VFs.
modprobe nvme
n=0
while [ ! -e /sys/bus/pci/devices/0000:01:00.0/driver ] && [ $n -lt 50 ]; do
    sleep 0.2
    n=$((n + 1))
done
echo "pre-binder: 0000:01:00.0 driver: $(readlink /sys/bus/pci/devices/0000:01:00.0/driver)"
