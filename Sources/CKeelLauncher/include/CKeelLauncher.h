// Linux calls keel-launcher needs that the Glibc module does not export (they sit behind _GNU_SOURCE, or are
// variadic and so not importable into Swift): thin, non-variadic wrappers only, defined in CKeelLauncher.c (which
// is compiled with _GNU_SOURCE; this header stays free of it so it agrees with the Glibc module).
#ifndef C_KEEL_LAUNCHER_H
#define C_KEEL_LAUNCHER_H
#include <stddef.h>
#include <sys/types.h>

/// CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET.
extern const int keel_clone_newpid, keel_clone_newns, keel_clone_newuts, keel_clone_newipc, keel_clone_newnet;

/// unshare(2).
int keel_unshare(int flags);
/// sethostname(2).
int keel_sethostname(const char *name, size_t length);
/// setgroups(2).
int keel_setgroups(size_t count, const gid_t *groups);
/// Makes every mount below / private, so mounts made in the new namespace do not propagate to the host.
int keel_make_mounts_private(void);
/// A fresh procfs (of the caller's pid namespace) on `target`.
int keel_mount_proc(const char *target);
/// A tmpfs on `target` (mode 1777).
int keel_mount_tmpfs(const char *target);
/// A recursive bind mount of `source` on `target`.
int keel_bind_mount(const char *source, const char *target);
/// prctl(PR_SET_NO_NEW_PRIVS, 1).
int keel_set_no_new_privs(void);
/// prctl(PR_SET_KEEPCAPS, on).
int keel_set_keep_caps(int on);
/// prctl(PR_SET_PDEATHSIG, signal).
int keel_set_parent_death_signal(int signal);
/// Brings the loopback interface of the caller's network namespace up (SIOCSIFFLAGS with IFF_UP).
int keel_loopback_up(void);
#endif
