// keel-launcher: started by the Linux containerizer with posix_spawn (the agent itself never forks). It joins the
// container's cgroups, applies rlimits, enters new namespaces and — with a pid namespace — forks a tiny init
// (pid 1: reaps zombies, forwards SIGTERM/SIGINT/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2, exits once the task did) which
// forks the task (pid 2). The task switches user and group, reduces every capability set to the allowed set with
// libcap, sets no_new_privs and execs. The launcher itself stays outside as the containerizer's child: it forwards
// the same signals to the init and ends exactly like the task did (same exit code, or the same signal).
//
// The request is the command line KeelLaunch.LaunchRequest.encoded() writes (options, `--`, the program, the task's
// argv); the task's environment is the launcher's. Failures before exec are written to descriptor 3 as
// `call<US>errno<US>detail` (KeelLaunch.LaunchFailure) and end the process with 127.
//
// Why C: this is the one deliberate non-Swift component of Keel. A Swift executable pays ~3.5 ms of runtime start
// and dynamic linking per launch, several times the cost of the isolation itself (Proposals/0004).
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#if __has_include(<sys/capability.h>)
#include <sys/capability.h>
#else
#error "Keel needs libcap-dev for the Linux containerizer: apt-get install libcap-dev"
#endif

extern char **environ;

// MARK: - Linking without the Swift runtime
//
// SwiftPM links every executable with swiftc, which adds swiftrt.o and -lswiftCore: loading libswiftCore (and
// libstdc++) costs ~1.2 ms of CPU per launch, more than this whole program. Without unsafeFlags, two things keep the
// runtime out: swiftc passes the object's autolink entries (section .swift1_autolink_entries) to the link line
// before -lswiftCore, so `--as-needed` there drops every library nothing references; and swiftrt.o's image
// constructor (registering Swift metadata sections, of which this program has none) references the two runtime
// entry points below, defined here as no-ops. Should a toolchain change defeat this, the launcher still links and
// works, with libswiftCore loaded; KeelIsolationTests checks that it is not.
__attribute__((used, section(".swift1_autolink_entries")))
static const char keel_autolink_entries[] = "-Wl,--as-needed";
void swift_addNewDSOImage(const void *header);
void swift_addNewDSOImage(const void *header) { (void)header; }
int _swift_backtrace_isThunkFunction(const char *name);
int _swift_backtrace_isThunkFunction(const char *name) { (void)name; return 0; }

#include "launcher.h"

static const int forwarded_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// MARK: - Failure reports

/// Writes `call<US>code<US>detail` to the error pipe (or a line to stderr when there is none) and exits with 127.
__attribute__((noreturn, format(printf, 3, 4)))
void fail(const char *call, int code, const char *format, ...) {
    char detail[1024];
    va_list arguments;
    va_start(arguments, format);
    int length = vsnprintf(detail, sizeof detail, format, arguments);
    va_end(arguments);
    if (length < 0) detail[0] = '\0';
    char report[1200];
    length = snprintf(report, sizeof report, "%s\x1f%d\x1f%s", call, code, detail);
    if (length < 0) _exit(127);
    size_t size = (size_t)length < sizeof report ? (size_t)length : sizeof report - 1;
    if (write(ERROR_FD, report, size) < 0) {
        dprintf(STDERR_FILENO, "keel-launcher: %s(%s): errno %d\n", call, detail, code);
    }
    _exit(127);
}

// MARK: - The request

/// `text` as a decimal number without sign, at most `max`; anything else is reported for `option`.
static unsigned long long number(const char *text, unsigned long long max, const char *option) {
    char *end = NULL;
    errno = 0;
    unsigned long long value = text[0] >= '0' && text[0] <= '9' ? strtoull(text, &end, 10) : 0;
    if (end == NULL || *end != '\0') fail("arguments", 0, "%s: \"%s\" is not a number", option, text);
    if (errno == ERANGE || value > max) fail("arguments", 0, "%s: %s is out of range (at most %llu)", option, text, max);
    return value;
}

static void parse_namespaces(struct request *request, const char *list) {
    const char *name = list;
    while (*name != '\0') {
        size_t length = strcspn(name, ",");
        if (length == 3 && strncmp(name, "pid", 3) == 0) request->ns_pid = 1;
        else if (length == 5 && strncmp(name, "mount", 5) == 0) request->ns_mount = 1;
        else if (length == 3 && strncmp(name, "uts", 3) == 0) request->ns_uts = 1;
        else if (length == 3 && strncmp(name, "ipc", 3) == 0) request->ns_ipc = 1;
        else if (length == 3 && strncmp(name, "net", 3) == 0) request->ns_net = 1;
        else if (length > 0) fail("arguments", 0, "--ns: unknown namespace \"%.*s\"", (int)length, name);
        name += length;
        if (*name == ',') name++;
    }
}

static void parse_caps(struct request *request, const char *list) {
    request->has_caps = 1;
    request->cap_count = 0;
    const char *part = list;
    while (*part != '\0') {
        size_t length = strcspn(part, ",");
        if (length > 0) {
            char text[24];
            if (length >= sizeof text) fail("arguments", 0, "--caps: \"%.*s\" is not a number", (int)length, part);
            memcpy(text, part, length);
            text[length] = '\0';
            if (request->cap_count == MAX_CAPS) fail("arguments", 0, "--caps: more than %d capabilities", MAX_CAPS);
            request->caps[request->cap_count++] = (cap_value_t)number(text, MAX_CAPS - 1, "--caps");
        }
        part += length;
        if (*part == ',') part++;
    }
}

/// Decodes KeelLaunch.LaunchRequest.encoded(); a malformed line is reported as call "arguments".
void parse(struct request *request, int argc, char **argv) {
    memset(request, 0, sizeof *request);
    request->cwd = "/";
    for (int index = 1; index < argc; index++) {
        const char *option = argv[index];
        if (strcmp(option, "--") == 0) {
            if (index + 1 >= argc) fail("arguments", 0, "no program after --");
            if (index + 2 >= argc) fail("arguments", 0, "no argv[0] after the program");
            request->program = argv[index + 1];
            request->argv = &argv[index + 2];  // argv[argc] is NULL: the task's argv is terminated
            return;
        }
        if (strcmp(option, "--no-new-privs") == 0) {
            request->no_new_privs = 1;
            continue;
        }
        static const char *const valued[] = {"--cgroup", "--rlimit", "--ns", "--hostname", "--sandbox", "--uid",
                                             "--gid", "--caps", "--cwd"};
        int known = 0;
        for (size_t name = 0; name < sizeof valued / sizeof valued[0]; name++) known |= strcmp(option, valued[name]) == 0;
        if (!known) fail("arguments", 0, "unknown option \"%s\"", option);
        if (index + 1 >= argc) fail("arguments", 0, "%s needs a value", option);
        const char *value = argv[index + 1];
        if (strcmp(option, "--cgroup") == 0) {
            if (request->cgroup_count == MAX_CGROUPS) fail("arguments", 0, "more than %d --cgroup options", MAX_CGROUPS);
            request->cgroup_files[request->cgroup_count++] = value;
        } else if (strcmp(option, "--rlimit") == 0) {
            const char *equals = strchr(value, '=');
            char resource[24];
            if (equals == NULL || (size_t)(equals - value) >= sizeof resource)
                fail("arguments", 0, "--rlimit: expected RESOURCE=VALUE, got \"%s\"", value);
            memcpy(resource, value, (size_t)(equals - value));
            resource[equals - value] = '\0';
            if (request->rlimit_count == MAX_RLIMITS) fail("arguments", 0, "more than %d --rlimit options", MAX_RLIMITS);
            request->rlimits[request->rlimit_count].resource = (int)number(resource, INT_MAX, option);
            request->rlimits[request->rlimit_count].value = (rlim_t)number(equals + 1, UINT64_MAX, option);
            request->rlimit_count++;
        } else if (strcmp(option, "--ns") == 0) {
            parse_namespaces(request, value);
        } else if (strcmp(option, "--hostname") == 0) {
            request->hostname = value;
        } else if (strcmp(option, "--sandbox") == 0) {
            request->sandbox = value;
        } else if (strcmp(option, "--uid") == 0) {
            request->has_user = 1;
            request->user = (uid_t)number(value, UINT32_MAX, option);
        } else if (strcmp(option, "--gid") == 0) {
            request->has_group = 1;
            request->group = (gid_t)number(value, UINT32_MAX, option);
        } else if (strcmp(option, "--caps") == 0) {
            parse_caps(request, value);
        } else {  // --cwd, the last of `valued`
            request->cwd = value;
        }
        index++;
    }
    fail("arguments", 0, "missing -- and the program");
}

// MARK: - Small helpers

/// Writes `text` to an existing file (cgroup control files); 0 or an errno.
static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    size_t length = strlen(text);
    ssize_t written = write(fd, text, length);
    int code = written == (ssize_t)length ? 0 : (written < 0 ? errno : EIO);
    close(fd);
    return code;
}

static int loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq interface;
    memset(&interface, 0, sizeof interface);
    strncpy(interface.ifr_name, "lo", IFNAMSIZ - 1);
    int result = ioctl(fd, SIOCGIFFLAGS, &interface);
    if (result == 0) {
        interface.ifr_flags |= IFF_UP | IFF_RUNNING;
        result = ioctl(fd, SIOCSIFFLAGS, &interface);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return result;
}

static void caught(int signal) { (void)signal; }

// MARK: - Mounts

/// Opens `path` (a directory below /tmp) so it can be bound back after the private /tmp hides it; -1 otherwise.
static int open_below_tmp(const char *path) {
    if (path == NULL || strncmp(path, "/tmp/", 5) != 0) return -1;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail("open", errno, "%s", path);
    return fd;
}

/// Recreates `path` inside the new /tmp and binds the directory `fd` (opened before) onto it.
static void bind_back(const char *path, int fd) {
    char target[PATH_MAX];
    size_t length = strlen(path);
    if (length >= sizeof target) fail("mkdir", ENAMETOOLONG, "%s", path);
    memcpy(target, path, length + 1);
    for (char *slash = strchr(target + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash != NULL) *slash = '\0';
        if (target[0] != '\0' && mkdir(target, 0755) != 0 && errno != EEXIST) fail("mkdir", errno, "%s", target);
        if (slash == NULL) break;
        *slash = '/';
    }
    char source[64];
    snprintf(source, sizeof source, "/proc/self/fd/%d", fd);
    if (mount(source, path, NULL, MS_BIND | MS_REC, NULL) != 0) fail("mount", errno, "bind %s", path);
    close(fd);
}

/// A fresh procfs on /proc (when `fresh_proc`: the caller is in the new pid namespace) and a tmpfs on /tmp. What the
/// task needs from below the old /tmp is bound back at its own path: its sandbox, and the directory of its program
/// (an executor built or unpacked under /tmp would otherwise vanish between the mount and the exec).
void prepare_mounts(const struct request *request, int fresh_proc) {
    if (fresh_proc && mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        fail("mount", errno, "proc on /proc");
    char program_directory[PATH_MAX] = "";
    if (request->program != NULL && request->program[0] == '/') {
        size_t length = strlen(request->program);
        if (length >= sizeof program_directory) fail("open", ENAMETOOLONG, "%s", request->program);
        memcpy(program_directory, request->program, length + 1);
        char *last = strrchr(program_directory, '/');
        if (last != NULL && last != program_directory) *last = '\0';
    }
    int program_fd = open_below_tmp(program_directory[0] != '\0' ? program_directory : NULL);
    int sandbox_fd = open_below_tmp(request->sandbox);
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) fail("mount", errno, "tmpfs on /tmp");
    if (program_fd >= 0) bind_back(program_directory, program_fd);
    if (sandbox_fd >= 0) bind_back(request->sandbox, sandbox_fd);
}

// MARK: - The task's own process

/// Removes every capability but the allowed ones from the bounding set (needs CAP_SETPCAP: done before setuid).
static void drop_bounding(const struct request *request) {
    int highest = cap_max_bits();
    for (int cap = 0; cap < highest; cap++) {
        int keep = 0;
        for (size_t index = 0; index < request->cap_count; index++) keep |= request->caps[index] == cap;
        if (!keep && cap_drop_bound((cap_value_t)cap) != 0 && errno != EINVAL)
            fail("cap_drop_bound", errno, "capability %d", cap);
    }
}

/// Permitted, effective and inheritable become exactly the allowed set; ambient too (so the set survives exec for a
/// non-root user).
static void apply_caps(const struct request *request) {
    cap_t sets = cap_init();
    if (sets == NULL) fail("cap_init", errno, "%s", "");
    if (request->cap_count > 0) {
        const cap_flag_t flags[] = {CAP_PERMITTED, CAP_EFFECTIVE, CAP_INHERITABLE};
        for (size_t index = 0; index < 3; index++) {
            if (cap_set_flag(sets, flags[index], (int)request->cap_count, request->caps, CAP_SET) != 0)
                fail("cap_set_flag", errno, "%zu capabilities", request->cap_count);
        }
    }
    if (cap_set_proc(sets) != 0) fail("cap_set_proc", errno, "%zu capabilities", request->cap_count);
    cap_free(sets);
    if (cap_reset_ambient() != 0 && errno != EINVAL) fail("cap_reset_ambient", errno, "%s", "");
    for (size_t index = 0; index < request->cap_count; index++) {
        if (cap_set_ambient(request->caps[index], CAP_SET) != 0)
            fail("cap_set_ambient", errno, "capability %d", (int)request->caps[index]);
    }
}

/// Working directory, capabilities, user and group, no_new_privs, an empty signal mask, execve.
__attribute__((noreturn))
void exec_task(const struct request *request) {
    if (chdir(request->cwd) != 0) fail("chdir", errno, "%s", request->cwd);
    if (request->has_caps) drop_bounding(request);
    if (request->has_user || request->has_group) {
        // Keep the permitted set across setuid; the sets are reduced (and effective restored) just below.
        if (request->has_caps && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0) fail("prctl", errno, "PR_SET_KEEPCAPS");
        if (request->has_group) {
            gid_t groups[1] = {request->group};
            if (setgroups(1, groups) != 0) fail("setgroups", errno, "%u", (unsigned)request->group);
            if (setgid(request->group) != 0) fail("setgid", errno, "%u", (unsigned)request->group);
        }
        if (request->has_user && setuid(request->user) != 0) fail("setuid", errno, "%u", (unsigned)request->user);
    }
    if (request->has_caps) apply_caps(request);
    if (request->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0)
        fail("prctl", errno, "PR_SET_NO_NEW_PRIVS");
    sigset_t empty;
    sigemptyset(&empty);
    if (sigprocmask(SIG_SETMASK, &empty, NULL) != 0) fail("sigprocmask", errno, "empty mask");
    execve(request->program, request->argv, environ);
    fail("execve", errno, "%s", request->program);
}

// MARK: - Waiting (sigwait on the blocked signals; no handler does anything)

/// Exits with the code, or dies of the signal (without a core file), that the wait status `raw` describes.
__attribute__((noreturn))
static void finish(int raw) {
    if (!WIFSIGNALED(raw)) _exit(WIFEXITED(raw) ? WEXITSTATUS(raw) : 127);
    int signal_number = WTERMSIG(raw);
    struct rlimit no_core = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &no_core);  // best effort: a core file of the launcher helps nobody
    (void)signal(signal_number, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal_number);
    (void)sigprocmask(SIG_UNBLOCK, &set, NULL);
    (void)kill(getpid(), signal_number);
    _exit(128 + signal_number);  // only for signals whose default is to continue or be ignored
}

/// pid 1 of the task's pid namespace: reaps every zombie, forwards signals to every process of the namespace
/// (kill(-1, …)), and once the task ended writes its raw wait status to `status_fd` and exits (the kernel then
/// kills whatever else still runs in the namespace).
__attribute__((noreturn))
static void init_loop(pid_t task, int status_fd, const sigset_t *waited) {
    for (;;) {
        int signal_number = 0;
        if (sigwait(waited, &signal_number) != 0) continue;
        if (signal_number != SIGCHLD) {
            (void)kill(-1, signal_number);  // ESRCH when only the init is left: nothing to forward to
            continue;
        }
        int task_ended = 0, task_status = 0;
        for (;;) {
            int status = 0;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid <= 0) break;
            if (pid == task) {
                task_ended = 1;
                task_status = status;
            }
        }
        if (task_ended) {
            // The outer launcher falls back to the init's own status if this write is lost.
            (void)!write(status_fd, &task_status, sizeof task_status);
            _exit(0);
        }
    }
}

/// The launcher outside the namespace (the containerizer's child): forwards signals to the init and, once the init
/// is gone, ends like the task did (its status from `status_fd`; the init's own when there is none).
__attribute__((noreturn))
static void outer_loop(pid_t init, int status_fd, const sigset_t *waited) {
    for (;;) {
        int signal_number = 0;
        if (sigwait(waited, &signal_number) != 0) continue;
        if (signal_number != SIGCHLD) {
            (void)kill(init, signal_number);
            continue;
        }
        int status = 0;
        if (waitpid(init, &status, WNOHANG) != init) continue;
        int task_status = 0;
        ssize_t got;
        do got = read(status_fd, &task_status, sizeof task_status); while (got < 0 && errno == EINTR);
        finish(got == (ssize_t)sizeof task_status ? task_status : status);
    }
}

// MARK: - Steps shared by the one-shot launcher and the launch service

/// cgroups first, so everything forked below is accounted and limited (`tasks` on v1: this process is
/// single-threaded, and it avoids the global threadgroup lock; `cgroup.procs` on v2); then rlimits (soft = hard),
/// inherited by the init and the task.
void attach_and_limit(const struct request *request) {
    for (size_t index = 0; index < request->cgroup_count; index++) {
        int code = write_file(request->cgroup_files[index], "0");
        if (code != 0) fail("cgroup attach", code, "%s", request->cgroup_files[index]);
    }
    for (size_t index = 0; index < request->rlimit_count; index++) {
        struct rlimit value = {request->rlimits[index].value, request->rlimits[index].value};
        if (setrlimit(request->rlimits[index].resource, &value) != 0)
            fail("setrlimit", errno, "resource %d = %llu", request->rlimits[index].resource,
                 (unsigned long long)request->rlimits[index].value);
    }
}

/// The signals the launcher and the init forward are blocked (and caught, so a pid-namespace init receives them)
/// and taken with sigwait; the task unblocks them before exec (exec resets caught handlers).
void block_forwarded_signals(sigset_t *waited) {
    sigemptyset(waited);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = caught;
    sigemptyset(&action.sa_mask);
    for (size_t index = 0; index <= sizeof forwarded_signals / sizeof forwarded_signals[0]; index++) {
        int signal_number = index < sizeof forwarded_signals / sizeof forwarded_signals[0] ? forwarded_signals[index] : SIGCHLD;
        sigaddset(waited, signal_number);
        if (sigaction(signal_number, &action, NULL) != 0) fail("sigaction", errno, "signal %d", signal_number);
    }
    if (sigprocmask(SIG_BLOCK, waited, NULL) != 0) fail("sigprocmask", errno, "block forwarded signals");
}

/// Enters the requested namespaces other than pid (`with_pid`: that one too, by unshare) and prepares them.
void enter_namespaces(const struct request *request, int with_pid) {
    int flags = (with_pid && request->ns_pid ? CLONE_NEWPID : 0) | (request->ns_mount ? CLONE_NEWNS : 0)
        | (request->ns_uts ? CLONE_NEWUTS : 0) | (request->ns_ipc ? CLONE_NEWIPC : 0) | (request->ns_net ? CLONE_NEWNET : 0);
    if (flags != 0 && unshare(flags) != 0) fail("unshare", errno, "flags %d", flags);
    if (request->ns_mount && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        fail("mount", errno, "/ (make private)");
    if (request->ns_uts && request->hostname != NULL && sethostname(request->hostname, strlen(request->hostname)) != 0)
        fail("sethostname", errno, "%s", request->hostname);
    if (request->ns_net && loopback_up() != 0) fail("ioctl", errno, "lo up");
}

/// The init's part, once it is pid 1 of the new namespace: a fresh /proc and /tmp, the task forked and execed, then
/// the init loop (the task's wait status goes to `status_fd`).
__attribute__((noreturn))
void run_init(const struct request *request, int status_fd, const sigset_t *waited) {
    if (prctl(PR_SET_PDEATHSIG, (long)SIGKILL, 0L, 0L, 0L) != 0) fail("prctl", errno, "PR_SET_PDEATHSIG");
    if (request->ns_mount) prepare_mounts(request, 1);
    pid_t task = fork();
    if (task < 0) fail("fork", errno, "task");
    if (task == 0) {
        close(status_fd);
        exec_task(request);
    }
    close(ERROR_FD);
    init_loop(task, status_fd, waited);
}

// MARK: - main

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--serve") == 0) return serve();
    // Without descriptor 3 (started by hand) reports go to stderr instead: fail() falls back when the write fails.
    (void)fcntl(ERROR_FD, F_SETFD, FD_CLOEXEC);
    struct request request;
    parse(&request, argc, argv);
    attach_and_limit(&request);
    sigset_t waited;
    block_forwarded_signals(&waited);
    enter_namespaces(&request, 1);
    if (!request.ns_pid) {
        if (request.ns_mount) prepare_mounts(&request, 0);
        exec_task(&request);
    }
    // A pid namespace: the next child is its pid 1 (the init), which forks the task.
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) fail("pipe", errno, "status pipe");
    pid_t init = fork();
    if (init < 0) fail("fork", errno, "init");
    if (init == 0) {
        close(status_pipe[0]);
        run_init(&request, status_pipe[1], &waited);
    }
    close(ERROR_FD);
    close(status_pipe[1]);
    outer_loop(init, status_pipe[0], &waited);
}
