// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vfio-pci variant driver for the vfiobind boot tests, nothing more.
 *
 * Debian's kernel ships no variant driver, so without this module the
 * binder's central choice (which vfio driver serves a device) would only
 * ever be tested on fixture trees.  The driver is built on vfio_pci_core
 * exactly like the kernel's own variants: an override-only id table
 * (depmod turns it into a "vfio_pci:" alias in modules.alias), DMA
 * ownership left to vfio (driver_managed_dma), and the vfio_pci_core
 * device operations.  It adds nothing to what vfio-pci does but a kernel
 * log line when a user opens the device, so a test can tell that the
 * device fd really came through this driver.
 *
 * Built twice (see Kbuild): vfio_test_variant matches only the e1000
 * (8086:100e); vfio_test_vendor, compiled with VFIO_TEST_ANY_DEVICE,
 * matches every Intel device, an alias that must lose to the former.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

static int vfio_test_open_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev =
		container_of(core_vdev, struct vfio_pci_core_device, vdev);
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;
	vfio_pci_core_finish_enable(vdev);
	pci_info(vdev->pdev, "opened through vfio by %s\n", current->comm);
	return 0;
}

static const struct vfio_device_ops vfio_test_ops = {
	.name		= KBUILD_MODNAME,
	.init		= vfio_pci_core_init_dev,
	.release	= vfio_pci_core_release_dev,
	.open_device	= vfio_test_open_device,
	.close_device	= vfio_pci_core_close_device,
	.ioctl		= vfio_pci_core_ioctl,
	.device_feature	= vfio_pci_core_ioctl_feature,
	.read		= vfio_pci_core_read,
	.write		= vfio_pci_core_write,
	.mmap		= vfio_pci_core_mmap,
	.request	= vfio_pci_core_request,
	.match		= vfio_pci_core_match,
};

static int vfio_test_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	vdev = vfio_alloc_device(vfio_pci_core_device, vdev, &pdev->dev,
				 &vfio_test_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	/* vfio_pci_core finds its device through the drvdata. */
	dev_set_drvdata(&pdev->dev, vdev);
	ret = vfio_pci_core_register_device(vdev);
	if (ret) {
		vfio_put_device(&vdev->vdev);
		return ret;
	}
	pci_info(pdev, "vfio variant %s bound\n", KBUILD_MODNAME);
	return 0;
}

static void vfio_test_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_put_device(&vdev->vdev);
}

static const struct pci_device_id vfio_test_ids[] = {
#ifdef VFIO_TEST_ANY_DEVICE
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_VENDOR_ID_INTEL, PCI_ANY_ID) },
#else
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_VENDOR_ID_INTEL, 0x100e) },
#endif
	{}
};
MODULE_DEVICE_TABLE(pci, vfio_test_ids);

static struct pci_driver vfio_test_driver = {
	.name			= KBUILD_MODNAME,
	.id_table		= vfio_test_ids,
	.probe			= vfio_test_probe,
	.remove			= vfio_test_remove,
	.err_handler		= &vfio_pci_core_err_handlers,
	.driver_managed_dma	= true,
};
module_pci_driver(vfio_test_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vfio-pci variant driver for the vfiobind boot tests");
