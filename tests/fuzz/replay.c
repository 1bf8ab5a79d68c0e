// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Plain main for the fuzz targets: feeds each file named on the command
 * line through the target once, so stored inputs (seeds and crash
 * reproducers) run under ASan+UBSan in every `make check`.
 */
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int main(int argc, char **argv)
{
	static unsigned char buf[1 << 20];
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t len;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		n++;
	}
	printf("%d passed, 0 failed: fuzz inputs replayed\n", n);
	return n ? 0 : 1;
}
