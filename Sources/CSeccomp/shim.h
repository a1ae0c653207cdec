// libseccomp, used by the parent to compile profiles into BPF programs.
#include <seccomp.h>
