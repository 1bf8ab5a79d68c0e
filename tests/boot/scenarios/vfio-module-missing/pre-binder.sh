# shellcheck shell=sh
# An image without the vfio modules: the module loader says "not found".
for d in /lib/modules/*/kernel/drivers/vfio /usr/lib/modules/*/kernel/drivers/vfio; do
    if [ -d "$d" ]; then
        rm -rf "$d"
        echo "pre-binder: removed $d"
    fi
done
