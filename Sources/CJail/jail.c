#include "cjail.h"
int cjail_abi_version(void) { return 1; }
