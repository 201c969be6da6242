import KeelContainer
import KeelCore

/// Linux capability names and numbers (`<linux/capability.h>`), and the containerizer's default set.
public enum LinuxCapabilities {
    /// Every capability name known to this build, indexed by number (`CAP_CHOWN` is 0): ``LinuxCapabilityNames/all``.
    public static var names: [String] { LinuxCapabilityNames.all }

    /// The default set: what an unprivileged service usually needs and nothing that reaches beyond the container
    /// (Docker's default minus `CAP_NET_RAW` and `CAP_MKNOD`): `CAP_CHOWN`, `CAP_DAC_OVERRIDE`, `CAP_FOWNER`,
    /// `CAP_FSETID`, `CAP_KILL`, `CAP_SETGID`, `CAP_SETUID`, `CAP_SETPCAP`, `CAP_NET_BIND_SERVICE`,
    /// `CAP_SYS_CHROOT`, `CAP_AUDIT_WRITE`, `CAP_SETFCAP`. No `CAP_SYS_ADMIN`, `CAP_NET_ADMIN`, `CAP_SYS_PTRACE`,
    /// `CAP_SYS_MODULE`, `CAP_NET_RAW`.
    public static let defaultSet: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_AUDIT_WRITE", "CAP_SETFCAP",
    ]

    /// The number of a capability named `CAP_X`, `cap_x` or `x`; `nil` when unknown.
    public static func number(_ name: String) -> Int32? { LinuxCapabilityNames.number(name) }

    /// The sorted, de-duplicated numbers of `names`; an unknown name is an ``ContainerizerError/invalidSpec(reason:)``.
    public static func numbers(_ names: [String]) throws(ContainerizerError) -> [Int32] {
        var result = Set<Int32>()
        for name in names {
            guard let number = number(name) else { throw .invalidSpec(reason: "unknown capability \"\(name)\"") }
            result.insert(number)
        }
        return result.sorted()
    }

    /// The `CapEff`/`CapPrm` mask of `/proc/<pid>/status` for `numbers`, as 16 hex digits.
    public static func mask(_ numbers: [Int32]) -> String {
        let bits = numbers.reduce(UInt64(0)) { $0 | (UInt64(1) << UInt64($1)) }
        let hex = String(bits, radix: 16)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }
}
