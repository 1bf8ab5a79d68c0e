# Only facts of the machine itself: must PASS with any binder.
expect_device 00:03.0
expect_driver 00:03.0 e1000
expect_module_loaded e1000
expect_kmsg 'e1000 0000:00:03\.0'
