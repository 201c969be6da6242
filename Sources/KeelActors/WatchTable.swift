/// Registered termination callbacks, by watched actor, and the watched actors of each endpoint: a
/// lost connection finds its node's watches without looking at every watch (a master watches every
/// agent; a scan per closed connection made a mass disconnect quadratic in the number of agents).
struct WatchTable {
    typealias Callback = @Sendable (ActorTermination) -> Void

    private var nextNumber: UInt64 = 1
    private var callbacks: [ActorID: [UInt64: Callback]] = [:]
    private var watchedOn: [Endpoint: Set<ActorID>] = [:]

    /// How many actors are watched.
    var watchedActors: Int { callbacks.count }

    /// Adds a watch of `id`; `first` when no other watch of `id` existed.
    mutating func add(_ id: ActorID, _ callback: @escaping Callback) -> (token: WatchToken, first: Bool) {
        let number = nextNumber
        nextNumber += 1
        let first = callbacks[id] == nil
        callbacks[id, default: [:]][number] = callback
        if first { watchedOn[id.node.endpoint, default: []].insert(id) }
        return (WatchToken(id: id, number: number), first)
    }

    /// Removes one watch; true when it was the last of its actor.
    mutating func remove(_ token: WatchToken) -> Bool {
        guard callbacks[token.id]?.removeValue(forKey: token.number) != nil else { return false }
        guard callbacks[token.id]?.isEmpty == true else { return false }
        callbacks[token.id] = nil
        forget(token.id)
        return true
    }

    /// Removes and returns every watch of `id`.
    mutating func removeAll(of id: ActorID) -> [UInt64: Callback] {
        guard let removed = callbacks.removeValue(forKey: id) else { return [:] }
        forget(id)
        return removed
    }

    /// Removes and returns the watches of every actor on `endpoint`, except those of incarnation `except`.
    mutating func removeAll(on endpoint: Endpoint, except: UInt64? = nil) -> [(id: ActorID, callbacks: [UInt64: Callback])] {
        guard let ids = watchedOn[endpoint] else { return [] }
        var removed: [(id: ActorID, callbacks: [UInt64: Callback])] = []
        for id in ids where id.node.incarnation != except {
            removed.append((id, callbacks.removeValue(forKey: id) ?? [:]))
        }
        if removed.count == ids.count {
            watchedOn[endpoint] = nil
        } else {
            for (id, _) in removed { watchedOn[endpoint]?.remove(id) }
        }
        return removed
    }

    private mutating func forget(_ id: ActorID) {
        watchedOn[id.node.endpoint]?.remove(id)
        if watchedOn[id.node.endpoint]?.isEmpty == true { watchedOn[id.node.endpoint] = nil }
    }
}
