#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import KeelContainer

extension LinuxContainerizer {
    /// Moves a running container to `resources`, exactly as a launch with them would have set it (a `nil` field is
    /// unlimited): CPU weight and quota and `pids.max` are rewritten, memory moves as
    /// ``CgroupSettings/updateWrites(version:resources:memoryLimit:hardCPUQuota:cfsPeriod:defaultPidsLimit:)``
    /// describes (never killing on the way down), and GPUs are granted (allowed in the devices cgroup) or given back
    /// (denied). The hard memory limit in force afterwards is read back from the cgroup, so a later OOM kill
    /// reports the limit that applied. The writes run on a Dispatch thread: lowering a v1 memory limit reclaims
    /// memory inside the `write`.
    ///
    /// Throws ``ContainerizerError/unknownContainer(_:)`` for an unknown ID (also one destroyed while the writes ran);
    /// ``ContainerizerError/invalidSpec(reason:)`` when too few GPUs are free, and
    /// ``ContainerizerError/unsupported(_:)`` for GPUs without the v1 devices controller — both before anything
    /// changed; a failed write as ``ContainerizerError/systemCallFailed(call:path:errno:message:)``, the writes
    /// before it staying in force. A container that already ended takes the call and changes nothing. Callers
    /// serialise the updates of one container (the agent does): each decides between raising and lowering memory
    /// from the limit the one before it left.
    public func update(_ id: ContainerID, resources: ContainerResources) async throws(ContainerizerError) {
        let wantedGPUs = resources.gpus ?? 0
        // While the writes run the container is charged with the GPUs it held and those it is getting, so none of
        // them can go to another container before its devices cgroup says so.
        let claim = try state.withLock { (state) throws(ContainerizerError) -> (Record, held: [Int], granted: [Int])? in
            guard case .live(var record) = state.slots[id] else { throw .unknownContainer(id.value) }
            guard record.termination == nil else { return nil }
            let held = record.gpus
            var granted = held
            if wantedGPUs != held.count {
                guard hierarchy.version == .v1, hierarchy.controllers["devices"] != nil else {
                    throw .unsupported("GPU isolation needs the cgroup v1 devices controller")
                }
                let inUse = Self.gpusInUse(state.slots)
                guard let resized = GPUDevices.resize(held, to: wantedGPUs, from: gpuIndices, inUse: inUse) else {
                    throw .invalidSpec(reason: "\(wantedGPUs) GPUs requested, \(gpuIndices.count - inUse.count + held.count) "
                                       + "free on this host for this container")
                }
                granted = resized
                record.gpus = Array(Set(held).union(resized)).sorted()
                state.slots[id] = .live(record)
            }
            return (record, held, granted)
        }
        guard let (record, held, granted) = claim else { return }
        let writes = CgroupSettings.updateWrites(
            version: hierarchy.version, resources: resources, memoryLimit: record.memoryLimit,
            hardCPUQuota: configuration.hardCPUQuota, cfsPeriod: configuration.cfsPeriodMicroseconds,
            defaultPidsLimit: configuration.defaultPidsLimit)
        let version = hierarchy.version
        let cgroups = record.cgroups
        let outcome = await Self.offPool { () -> Result<UInt64??, ContainerizerError> in
            let devices = cgroups.byController["devices"].flatMap { cgroups.directories.contains($0) ? $0 : nil }
            var allowed: [Int] = []
            do throws(ContainerizerError) {
                try Self.apply(writes, to: cgroups)
                if let devices {
                    for index in granted where !held.contains(index) {
                        try CgroupFiles.write(devices + "/devices.allow", GPUDevices.rule(index))
                        allowed.append(index)
                    }
                    for index in held where !granted.contains(index) {
                        try CgroupFiles.write(devices + "/devices.deny", GPUDevices.rule(index))
                    }
                }
                return .success(Self.hardMemoryLimit(version, cgroups))
            } catch {
                // GPUs it is not getting after all must not stay open to it.
                for index in allowed { try? CgroupFiles.write((devices ?? "") + "/devices.deny", GPUDevices.rule(index)) }
                return .failure(error)
            }
        }
        let known = state.withLock { state -> Bool in
            guard case .live(var current) = state.slots[id], current.token == record.token else { return false }
            switch outcome {
            case .success(let limit):
                current.gpus = granted
                if let limit { current.memoryLimit = limit }
            case .failure:
                current.gpus = held
            }
            state.slots[id] = .live(current)
            return true
        }
        if case .failure(let error) = outcome {
            // Destroyed while the writes ran: its cgroups went with it.
            guard known else { throw .unknownContainer(id.value) }
            logger.warning("container update failed", ["container": id, "error": error.description])
            throw error
        }
        if case .success(let limit??) = outcome, let wanted = resources.memoryBytes, limit > wanted {
            logger.info("memory limit stays above the container's new resources until it frees memory",
                        ["container": id, "limit": limit, "wanted": wanted])
        }
        logger.debug("updated container", ["container": id, "resources": String(describing: resources)])
    }

    /// Every GPU held or being claimed by a container.
    static func gpusInUse(_ slots: [ContainerID: Slot]) -> Set<Int> {
        slots.values.reduce(into: Set<Int>()) { used, slot in
            switch slot {
            case .launching(let gpus): used.formUnion(gpus)
            case .live(let record): used.formUnion(record.gpus)
            }
        }
    }

    /// Performs `writes` in order: a missing optional file is skipped and its failure ignored; a refusable write the
    /// kernel refuses with `EBUSY` leaves its setting as it was.
    static func apply(_ writes: [CgroupWrite], to cgroups: Cgroups) throws(ContainerizerError) {
        for write in writes {
            guard let directory = cgroups.byController[write.controller] else { continue }
            let path = directory + "/" + write.file
            if write.optional, !CgroupFiles.exists(path) { continue }
            do {
                try CgroupFiles.write(path, write.value)
            } catch {
                if write.optional { continue }
                if write.refusable, case .systemCallFailed(_, _, EBUSY, _) = error { continue }
                throw error
            }
        }
    }

    /// The hard memory limit in force (v1 `memory.limit_in_bytes`, v2 `memory.max`): `.some(nil)` when unlimited,
    /// `nil` when it cannot be read.
    static func hardMemoryLimit(_ version: CgroupHierarchy.Version, _ cgroups: Cgroups) -> UInt64?? {
        guard let directory = cgroups.byController["memory"],
              let text = CgroupFiles.read(directory + "/" + (version == .v1 ? "memory.limit_in_bytes" : "memory.max"))
        else { return nil }
        if text.trimmingCharacters(in: .whitespacesAndNewlines) == "max" { return .some(nil) }
        guard let value = CgroupStatistics.number(text) else { return nil }
        // v1 reports "unlimited" as the largest page-aligned 63-bit value.
        return .some(value >= UInt64(Int64.max) - 4095 ? nil : value)
    }

    /// Runs `work` on a Dispatch thread, never the cooperative pool.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}
