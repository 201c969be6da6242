// Linux system headers that the Glibc module map does not export (epoll, eventfd, TCP options).
// Nothing but declarations: Keel's syscalls are made from Swift.
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
#endif
#endif
