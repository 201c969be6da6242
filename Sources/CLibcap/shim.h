// libcap for keel-launcher (capability sets). Install it with: apt-get install libcap-dev
#ifndef C_LIBCAP_SHIM_H
#define C_LIBCAP_SHIM_H
#if __has_include(<sys/capability.h>)
#include <sys/capability.h>
#else
#error "Keel needs libcap-dev for the Linux containerizer: apt-get install libcap-dev"
#endif
#endif
