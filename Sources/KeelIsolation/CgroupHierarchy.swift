/// Where the cgroup controllers Keel uses are mounted: cgroup v1 (one hierarchy per controller, or a few joined,
/// as in the "hybrid" layout) or v2 (one unified hierarchy).
public struct CgroupHierarchy: Sendable, Hashable {
    /// The cgroup interface in use.
    public enum Version: String, Sendable, Hashable { case v1, v2 }

    /// v1 or v2.
    public var version: Version
    /// v1: controller → mount point (`memory` → `/sys/fs/cgroup/memory`). Empty on v2.
    public var controllers: [String: String]
    /// v2: the unified hierarchy's mount point. `nil` on v1.
    public var unifiedMount: String?

    /// The v1 controllers Keel needs (`devices` only for GPUs), and the v2 ones it enables.
    public static let requiredV1 = ["cpu", "cpuacct", "memory", "pids", "freezer"]
    /// Controllers enabled in `cgroup.subtree_control` on v2.
    public static let requiredV2 = ["cpu", "memory", "pids"]

    /// A hierarchy.
    public init(version: Version, controllers: [String: String] = [:], unifiedMount: String? = nil) {
        self.version = version
        self.controllers = controllers
        self.unifiedMount = unifiedMount
    }

    /// Detects the hierarchy from `/proc/self/mountinfo` text: v1 when every required v1 controller is mounted
    /// (a hybrid system's empty `unified` mount is ignored), else v2 when a `cgroup2` mount offers every required
    /// controller (`v2Controllers` reads its `cgroup.controllers`). `nil`: no usable cgroup file system.
    public static func detect(mountinfo: String, v2Controllers: (String) -> [String]) -> CgroupHierarchy? {
        var v1: [String: String] = [:]
        var unified: [String] = []
        for line in mountinfo.split(separator: "\n") {
            let halves = line.split(separator: " - ", maxSplits: 1)
            guard halves.count == 2 else { continue }
            let before = halves[0].split(separator: " ")
            let after = halves[1].split(separator: " ")
            guard before.count >= 5, after.count >= 3 else { continue }
            let mountPoint = unescape(String(before[4]))
            switch after[0] {
            case "cgroup":
                for option in after[2].split(separator: ",") where v1[String(option)] == nil {
                    v1[String(option)] = mountPoint
                }
            case "cgroup2":
                unified.append(mountPoint)
            default:
                continue
            }
        }
        if requiredV1.allSatisfy({ v1[$0] != nil }) {
            return CgroupHierarchy(version: .v1, controllers: v1.filter { (requiredV1 + ["devices"]).contains($0.key) })
        }
        for mount in unified where Set(requiredV2).isSubset(of: v2Controllers(mount)) {
            return CgroupHierarchy(version: .v2, unifiedMount: mount)
        }
        return nil
    }

    /// The directories of the cgroup `relative` (e.g. `keel/agent-1/c1`): one per distinct v1 mount among
    /// `controllers`, or the single v2 directory.
    public func directories(_ relative: String, controllers wanted: [String]) -> [String] {
        switch version {
        case .v2:
            return [(unifiedMount ?? "/sys/fs/cgroup") + "/" + relative]
        case .v1:
            var seen = Set<String>()
            var result: [String] = []
            for controller in wanted {
                guard let mount = controllers[controller], seen.insert(mount).inserted else { continue }
                result.append(mount + "/" + relative)
            }
            return result
        }
    }

    /// The directory of `relative` in `controller`'s hierarchy (the unified one on v2).
    public func directory(_ relative: String, controller: String) -> String? {
        switch version {
        case .v2: (unifiedMount ?? "/sys/fs/cgroup") + "/" + relative
        case .v1: controllers[controller].map { $0 + "/" + relative }
        }
    }

    /// mountinfo escapes space, tab, newline and backslash as octal (`\040`).
    static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "\\"), input.count >= 3,
               let value = UInt8(String(decoding: input.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                input = input.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
