// Linux system headers that the Glibc module map does not export (epoll, eventfd, TCP options).
// Declarations, plus the two helpers Swift cannot write (SCM_RIGHTS, prctl): Keel's other syscalls are made from Swift.
#ifndef C_KEEL_LINUX_H
#define C_KEEL_LINUX_H
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/uio.h>
#include <sys/random.h>

/// Sends one datagram (SOCK_SEQPACKET) carrying `count` descriptors as SCM_RIGHTS; returns what sendmsg returns.
/// In C because CMSG_* are macros Swift cannot import.
ssize_t keel_send_with_descriptors(int socket, const void *bytes, size_t length, const int *descriptors, int count);

/// Names the calling thread for the kernel (`comm`, at most 15 bytes; longer names are cut): what `top -H`, `ps -L`
/// and profilers show. In C because `prctl` is variadic, which Swift cannot call.
int keel_set_current_thread_name(const char *name);
#endif
#endif
