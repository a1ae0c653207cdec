#pragma once
int cjail_abi_version(void);
