// Thin wrappers for keel-launcher (see CKeelLauncher.h); no logic beyond the call itself.
#define _GNU_SOURCE 1
#include "CKeelLauncher.h"
#include <sched.h>
#include <unistd.h>
#include <grp.h>
#include <string.h>
#include <errno.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>

const int keel_clone_newpid = CLONE_NEWPID;
const int keel_clone_newns = CLONE_NEWNS;
const int keel_clone_newuts = CLONE_NEWUTS;
const int keel_clone_newipc = CLONE_NEWIPC;
const int keel_clone_newnet = CLONE_NEWNET;

int keel_unshare(int flags) { return unshare(flags); }
int keel_sethostname(const char *name, size_t length) { return sethostname(name, length); }
int keel_setgroups(size_t count, const gid_t *groups) { return setgroups(count, groups); }
int keel_make_mounts_private(void) { return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL); }
int keel_mount_proc(const char *target) { return mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL); }
int keel_mount_tmpfs(const char *target) { return mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"); }
int keel_bind_mount(const char *source, const char *target) { return mount(source, target, NULL, MS_BIND | MS_REC, NULL); }
int keel_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L); }
int keel_set_keep_caps(int on) { return prctl(PR_SET_KEEPCAPS, (long)on, 0L, 0L, 0L); }
int keel_set_parent_death_signal(int signal) { return prctl(PR_SET_PDEATHSIG, (long)signal, 0L, 0L, 0L); }

int keel_loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    int result = ioctl(fd, SIOCGIFFLAGS, &request);
    if (result == 0) {
        request.ifr_flags |= IFF_UP | IFF_RUNNING;
        result = ioctl(fd, SIOCSIFFLAGS, &request);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return result;
}
