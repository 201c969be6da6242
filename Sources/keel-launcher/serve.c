// `keel-launcher --serve`: the launch service. The Linux containerizer starts it once (posix_spawn) with a
// SOCK_SEQPACKET control socket as descriptor 3 and sends it one message per container; the service forks (with a
// pid namespace: clones straight into the new namespace, so its child is the container's init) instead of the agent
// exec'ing a fresh launcher per container. That removes one exec, one dynamic link and one process per container:
// measured 1.85 → ~1.0 ms of CPU per launch of /bin/true on the 2-core test machines (Proposal 0004).
//
// Messages (native byte order; both ends are on one host):
//   agent → service  LAUNCH  {u32 'L', u32 flags (1: pid namespace), u32 argc, u32 envc, u64 token}, then argc
//                            launcher arguments and envc environment entries, each NUL-terminated; SCM_RIGHTS:
//                            stdout, stderr and the error channel (the container's descriptor 3).
//                    SIGNAL  {u32 'S', i32 signal, u32 0, u32 0, u64 token}
//   service → agent  STARTED {u32 'P', i32 pid, u64 token}
//                    EXITED  {u32 'E', i32 raw wait status of the task, u64 token}
// A launch that fails before its process exists is reported on its error channel (as the one-shot launcher would)
// and followed by EXITED with status 127. When the agent closes the socket, every container is killed and the
// service exits.
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"

extern char **environ;

enum { CONTROL_FD = 3, MAX_MESSAGE = 1 << 20, MAX_STRINGS = 65536 };

struct launch_header {
    uint32_t kind, flags, argc, envc;
    uint64_t token;
};

struct event {
    uint32_t kind;
    int32_t value;
    uint64_t token;
};

struct container {
    uint64_t token;
    pid_t pid;
    int status_fd;   // the init's status pipe (pid namespace), or -1
    int pid_namespace;
};

static struct container *containers;
static size_t container_count, container_capacity;

static void send_event(uint32_t kind, int32_t value, uint64_t token) {
    struct event event = {kind, value, token};
    ssize_t sent;
    do sent = send(CONTROL_FD, &event, sizeof event, MSG_NOSIGNAL); while (sent < 0 && errno == EINTR);
    if (sent != (ssize_t)sizeof event) _exit(0);  // the agent is gone: nothing left to serve
}

static struct container *find_pid(pid_t pid) {
    for (size_t index = 0; index < container_count; index++)
        if (containers[index].pid == pid) return &containers[index];
    return NULL;
}

static struct container *find_token(uint64_t token) {
    for (size_t index = 0; index < container_count; index++)
        if (containers[index].token == token) return &containers[index];
    return NULL;
}

static int add_container(struct container container) {
    if (container_count == container_capacity) {
        size_t capacity = container_capacity == 0 ? 64 : container_capacity * 2;
        struct container *grown = realloc(containers, capacity * sizeof *grown);
        if (grown == NULL) return -1;
        containers = grown;
        container_capacity = capacity;
    }
    containers[container_count++] = container;
    return 0;
}

/// Reports a failure before the container's process exists on its error channel, then EXITED 127.
static void refuse(int error_fd, const char *call, int code, uint64_t token) {
    char report[128];
    int length = snprintf(report, sizeof report, "%s\x1f%d\x1f%s", call, code, "keel-launcher --serve");
    if (length > 0) (void)!write(error_fd, report, (size_t)length);
    send_event('E', 127 << 8, token);
}

/// The container's side of a launch, in the forked (or cloned) child: descriptors, process group, environment,
/// then the same steps as the one-shot launcher.
__attribute__((noreturn))
static void become_container(int argc, char **argv, char **env, const int fds[3], int status_fd, int in_pid_namespace) {
    int null_fd = open("/dev/null", O_RDONLY);
    // Every target descriptor is first moved above 2 so the dup2 calls cannot clobber one another.
    int moved[3];
    for (int index = 0; index < 3; index++) moved[index] = fcntl(fds[index], F_DUPFD, 10);
    if (null_fd < 0 || moved[0] < 0 || moved[1] < 0 || moved[2] < 0) _exit(127);
    if (dup2(null_fd, 0) < 0 || dup2(moved[0], 1) < 0 || dup2(moved[1], 2) < 0 || dup2(moved[2], ERROR_FD) < 0) _exit(127);
    int keep_status = status_fd >= 0 ? fcntl(status_fd, F_DUPFD_CLOEXEC, 4) : -1;
    // Everything else of the service (the control socket, other containers' pipes) is closed.
    for (int fd = 4; fd < 1024; fd++) if (fd != keep_status) close(fd);
    (void)syscall(SYS_close_range, 1024, ~0U, 0);
    (void)fcntl(ERROR_FD, F_SETFD, FD_CLOEXEC);
    if (!in_pid_namespace && setpgid(0, 0) != 0) fail("setpgid", errno, "%s", "");
    sigset_t empty;
    sigemptyset(&empty);
    (void)sigprocmask(SIG_SETMASK, &empty, NULL);
    environ = env;
    struct request request;
    parse(&request, argc, argv);
    attach_and_limit(&request);
    sigset_t waited;
    block_forwarded_signals(&waited);
    enter_namespaces(&request, 0);
    if (!in_pid_namespace) {
        if (request.ns_mount) prepare_mounts(&request, 0);
        exec_task(&request);
    }
    run_init(&request, keep_status, &waited);
}

static void launch(char *message, size_t length, const int fds[3]) {
    struct launch_header header;
    memcpy(&header, message, sizeof header);
    // Strings: argc + envc NUL-terminated entries after the header, nothing after them.
    size_t count = (size_t)header.argc + header.envc;
    if (header.argc == 0 || count > MAX_STRINGS) {
        refuse(fds[2], "arguments", EINVAL, header.token);
        return;
    }
    char **strings = calloc(count + 3, sizeof *strings);
    if (strings == NULL) {
        refuse(fds[2], "calloc", ENOMEM, header.token);
        return;
    }
    char *cursor = message + sizeof header, *end = message + length;
    strings[0] = "keel-launcher";
    for (size_t index = 0; index < count; index++) {
        char *nul = memchr(cursor, '\0', (size_t)(end - cursor));
        if (nul == NULL) {
            free(strings);
            refuse(fds[2], "arguments", EINVAL, header.token);
            return;
        }
        // argv: [0] name, [1...argc] arguments, NULL; env follows after that NULL.
        strings[index < header.argc ? index + 1 : index + 2] = cursor;
        cursor = nul + 1;
    }
    char **argv = strings;
    char **env = strings + header.argc + 2;
    int pid_namespace = (header.flags & 1) != 0;
    int status_pipe[2] = {-1, -1};
    if (pid_namespace && pipe2(status_pipe, O_CLOEXEC) != 0) {
        free(strings);
        refuse(fds[2], "pipe", errno, header.token);
        return;
    }
    // With a pid namespace the child is created inside it: it is the container's init (pid 1) right away.
    pid_t pid = pid_namespace ? (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWPID | SIGCHLD), NULL, NULL, NULL, NULL)
                              : fork();
    if (pid == 0) {
        if (pid_namespace) close(status_pipe[0]);
        become_container((int)header.argc + 1, argv, env, fds, status_pipe[1], pid_namespace);
    }
    int saved = errno;
    free(strings);
    if (pid_namespace) close(status_pipe[1]);
    if (pid < 0) {
        if (pid_namespace) close(status_pipe[0]);
        refuse(fds[2], pid_namespace ? "clone" : "fork", saved, header.token);
        return;
    }
    struct container container = {header.token, pid, pid_namespace ? status_pipe[0] : -1, pid_namespace};
    if (add_container(container) != 0) {
        // Without a record the exit could not be reported: the container must not run.
        (void)kill(pid, SIGKILL);
        (void)waitpid(pid, NULL, 0);
        if (pid_namespace) close(status_pipe[0]);
        refuse(fds[2], "realloc", ENOMEM, header.token);
        return;
    }
    send_event('P', pid, header.token);
}

/// Collects every ended child and reports the task's status (the init's own when the task's is missing).
static void reap(void) {
    for (;;) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) return;
        struct container *container = find_pid(pid);
        if (container == NULL) continue;
        int reported = status;
        if (container->status_fd >= 0) {
            int task_status = 0;
            ssize_t got;
            do got = read(container->status_fd, &task_status, sizeof task_status); while (got < 0 && errno == EINTR);
            if (got == (ssize_t)sizeof task_status) reported = task_status;
            close(container->status_fd);
        }
        uint64_t token = container->token;
        *container = containers[--container_count];
        send_event('E', reported, token);
    }
}

/// The agent closed the socket: kill every container and leave.
__attribute__((noreturn))
static void stop_all(void) {
    for (size_t index = 0; index < container_count; index++) {
        pid_t pid = containers[index].pid;
        (void)kill(containers[index].pid_namespace ? pid : -pid, SIGKILL);
    }
    _exit(0);
}

int serve(void) {
    (void)fcntl(CONTROL_FD, F_SETFD, FD_CLOEXEC);
    (void)prctl(PR_SET_NAME, (unsigned long)"keel-launchd", 0L, 0L, 0L);
    sigset_t children;
    sigemptyset(&children);
    sigaddset(&children, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &children, NULL) != 0) return 1;
    int signal_fd = signalfd(-1, &children, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd < 0) return 1;
    char *message = malloc(MAX_MESSAGE);
    if (message == NULL) return 1;
    for (;;) {
        struct pollfd watched[2] = {{CONTROL_FD, POLLIN, 0}, {signal_fd, POLLIN, 0}};
        if (poll(watched, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return 1;
        }
        if (watched[1].revents != 0) {
            struct signalfd_siginfo info;
            while (read(signal_fd, &info, sizeof info) > 0) {}
            reap();
        }
        if (watched[0].revents == 0) continue;
        char control[CMSG_SPACE(3 * sizeof(int))];
        struct iovec vector = {message, MAX_MESSAGE};
        struct msghdr header = {0};
        header.msg_iov = &vector;
        header.msg_iovlen = 1;
        header.msg_control = control;
        header.msg_controllen = sizeof control;
        ssize_t got = recvmsg(CONTROL_FD, &header, MSG_CMSG_CLOEXEC);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) stop_all();
        int fds[3] = {-1, -1, -1};
        size_t fd_count = 0;
        for (struct cmsghdr *part = CMSG_FIRSTHDR(&header); part != NULL; part = CMSG_NXTHDR(&header, part)) {
            if (part->cmsg_level != SOL_SOCKET || part->cmsg_type != SCM_RIGHTS) continue;
            size_t count = (part->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t index = 0; index < count; index++) {
                int fd;
                memcpy(&fd, CMSG_DATA(part) + index * sizeof(int), sizeof fd);
                if (fd_count < 3) fds[fd_count++] = fd; else close(fd);
            }
        }
        uint32_t kind = 0;
        if ((size_t)got >= sizeof kind) memcpy(&kind, message, sizeof kind);
        if (kind == 'L' && (size_t)got >= sizeof(struct launch_header) && fd_count == 3
            && !(header.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
            launch(message, (size_t)got, fds);
        } else if (kind == 'S' && (size_t)got == sizeof(struct launch_header)) {
            struct launch_header signal_message;
            memcpy(&signal_message, message, sizeof signal_message);
            struct container *container = find_token(signal_message.token);
            if (container != NULL) {
                int number = (int)signal_message.flags;
                (void)kill(container->pid_namespace ? container->pid : -container->pid, number);
            }
        } else if (fd_count == 3) {
            // A malformed launch still answers on its error channel and with EXITED, so the agent never waits.
            uint64_t token = 0;
            if ((size_t)got >= sizeof(struct launch_header)) memcpy(&token, message + 16, sizeof token);
            refuse(fds[2], "message", EPROTO, token);
        }
        for (size_t index = 0; index < fd_count; index++) close(fds[index]);
    }
}
