// Shared between the one-shot launcher (main.c) and the launch service (serve.c).
#ifndef KEEL_LAUNCHER_H
#define KEEL_LAUNCHER_H
#include <signal.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/types.h>

enum { ERROR_FD = 3, MAX_CGROUPS = 16, MAX_RLIMITS = 32, MAX_CAPS = 64 };

/// The decoded command line; every string points into argv.
struct request {
    const char *cgroup_files[MAX_CGROUPS];
    size_t cgroup_count;
    struct { int resource; rlim_t value; } rlimits[MAX_RLIMITS];
    size_t rlimit_count;
    int ns_pid, ns_mount, ns_uts, ns_ipc, ns_net;
    const char *hostname;
    const char *sandbox;
    int has_user, has_group;
    uid_t user;
    gid_t group;
    int has_caps;
    cap_value_t caps[MAX_CAPS];
    size_t cap_count;
    int no_new_privs;
    const char *cwd;
    const char *program;
    char **argv;
};

/// Writes `call<US>code<US>detail` to descriptor 3 (or a line to stderr when there is none) and exits with 127.
__attribute__((noreturn, format(printf, 3, 4))) void fail(const char *call, int code, const char *format, ...);
/// Decodes KeelLaunch.LaunchRequest.encoded(); a malformed line is reported as call "arguments".
void parse(struct request *request, int argc, char **argv);
/// Joins the cgroups and applies the rlimits.
void attach_and_limit(const struct request *request);
/// Blocks (and catches) the forwarded signals and SIGCHLD; `waited` receives the set.
void block_forwarded_signals(sigset_t *waited);
/// Enters the requested namespaces (pid too only when `with_pid`) and prepares them.
void enter_namespaces(const struct request *request, int with_pid);
/// The private /proc (`fresh_proc`) and /tmp of a mount namespace.
void prepare_mounts(const struct request *request, int fresh_proc);
/// Working directory, capabilities, user, no_new_privs, empty signal mask, execve (of `environ`).
__attribute__((noreturn)) void exec_task(const struct request *request);
/// pid 1 of the task's pid namespace: forks the task and reaps until it ends (its status to `status_fd`).
__attribute__((noreturn)) void run_init(const struct request *request, int status_fd, const sigset_t *waited);
/// `keel-launcher --serve`: the launch service on the control socket at descriptor 3 (serve.c).
int serve(void);

#endif
