import KeelContainer

/// NVIDIA GPUs as device nodes (`/dev/nvidia<N>`, character major 195) and the v1 devices-controller rules that
/// hide every GPU a container was not given. Pure: the caller lists `/dev`.
public enum GPUDevices {
    /// The character-device major of `/dev/nvidia<N>`.
    public static let nvidiaMajor = 195

    /// GPU indices from `/dev` entry names (`nvidia0`, `nvidia1`; not `nvidiactl`, `nvidia-uvm`), sorted.
    public static func indices(devEntries: [String]) -> [Int] {
        devEntries.compactMap { name -> Int? in
            guard name.hasPrefix("nvidia") else { return nil }
            return Int(name.dropFirst("nvidia".count))
        }.sorted()
    }

    /// The lowest `count` free indices, or `nil` when fewer are free.
    public static func allocate(_ count: Int, from all: [Int], inUse: Set<Int>) -> [Int]? {
        let free = all.filter { !inUse.contains($0) }
        return free.count >= count ? Array(free.prefix(count)) : nil
    }

    /// `devices.deny` lines for every GPU not in `allowed` (`c 195:1 rwm`).
    public static func denyRules(all: [Int], allowed: [Int]) -> [String] {
        all.filter { !allowed.contains($0) }.map(rule)
    }

    /// The GPUs a container holds once it is given `count`: it keeps those it `held` (giving up the highest first) and
    /// takes the lowest free ones; `nil` when too few are free. `inUse` may include `held`.
    public static func resize(_ held: [Int], to count: Int, from all: [Int], inUse: Set<Int>) -> [Int]? {
        let kept = held.sorted()
        if count <= kept.count { return Array(kept.prefix(max(0, count))) }
        guard let added = allocate(count - kept.count, from: all, inUse: inUse.union(kept)) else { return nil }
        return (kept + added).sorted()
    }

    /// The `devices.allow` line for GPU `index` (`c 195:0 rwm`).
    public static func rule(_ index: Int) -> String { "c \(nvidiaMajor):\(index) rwm" }
}
