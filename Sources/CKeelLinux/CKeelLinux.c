// The helpers Swift cannot write itself (SCM_RIGHTS needs the CMSG_* macros, prctl is variadic); everything else is in
// the header.
#include "CKeelLinux.h"

#ifdef __linux__
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

int keel_set_current_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
}

ssize_t keel_send_with_descriptors(int socket, const void *bytes, size_t length, const int *descriptors, int count) {
    if (count < 0 || count > 8) {
        errno = EINVAL;
        return -1;
    }
    char control[CMSG_SPACE(8 * sizeof(int))];
    memset(control, 0, sizeof control);
    struct iovec vector = {(void *)bytes, length};
    struct msghdr header;
    memset(&header, 0, sizeof header);
    header.msg_iov = &vector;
    header.msg_iovlen = 1;
    if (count > 0) {
        header.msg_control = control;
        header.msg_controllen = CMSG_SPACE((size_t)count * sizeof(int));
        struct cmsghdr *part = CMSG_FIRSTHDR(&header);
        part->cmsg_level = SOL_SOCKET;
        part->cmsg_type = SCM_RIGHTS;
        part->cmsg_len = CMSG_LEN((size_t)count * sizeof(int));
        memcpy(CMSG_DATA(part), descriptors, (size_t)count * sizeof(int));
    }
    ssize_t sent;
    do sent = sendmsg(socket, &header, MSG_NOSIGNAL); while (sent < 0 && errno == EINTR);
    return sent;
}
#endif
