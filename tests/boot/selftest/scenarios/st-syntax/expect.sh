# shellcheck shell=sh
# A passing check, then a syntax error: the checker must not PASS. The
# error is in an eval, so the file itself stays lintable; the guest's sh
# stops at it all the same.
expect_device 00:00.0
eval 'if [ 1 = 1 ]; then'
expect_device 00:00.0
