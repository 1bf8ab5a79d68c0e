# shellcheck shell=sh
# A passing check, then a syntax error: the checker must not PASS.
expect_device 00:00.0
if [ 1 = 1 ]; then
