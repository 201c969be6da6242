extension Resource: Codable {
    private enum CodingKeys: String, CodingKey { case name, type, scalar, ranges, set, reservation }
    private struct ScalarBox: Codable { var value: Quantity }
    private struct RangesBox: Codable { var range: ValueRanges }
    private struct SetBox: Codable { var item: ValueSet }

    /// Decodes Mesos' JSON shape: `{"name":"cpus","type":"SCALAR","scalar":{"value":4},"reservation":{…}}`,
    /// `"type":"RANGES","ranges":{"range":[{"begin":…,"end":…}]}` or `"type":"SET","set":{"item":[…]}`.
    /// Negative, non-finite, inverted, overlapping and unknown values are rejected.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .name)
        guard Resource.isValidName(name) else {
            throw DecodingError.dataCorruptedError(forKey: .name, in: container,
                                                   debugDescription: "invalid resource name '\(name)'")
        }
        let type = try container.decode(String.self, forKey: .type)
        let value: ResourceValue
        switch type {
        case "SCALAR": value = .scalar(try container.decode(ScalarBox.self, forKey: .scalar).value)
        case "RANGES": value = .ranges(try container.decode(RangesBox.self, forKey: .ranges).range)
        case "SET": value = .set(try container.decode(SetBox.self, forKey: .set).item)
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                                                   debugDescription: "unknown resource type '\(type)'")
        }
        self.init(name: name, value: value,
                  reservation: try container.decodeIfPresent(Reservation.self, forKey: .reservation))
    }

    /// Encodes the JSON shape above.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(value.typeName, forKey: .type)
        switch value {
        case .scalar(let amount): try container.encode(ScalarBox(value: amount), forKey: .scalar)
        case .ranges(let ranges): try container.encode(RangesBox(range: ranges), forKey: .ranges)
        case .set(let set): try container.encode(SetBox(item: set), forKey: .set)
        }
        try container.encodeIfPresent(reservation, forKey: .reservation)
    }
}

extension Resources: Codable {
    /// Decodes a JSON array of ``Resource`` objects into canonical form; a name used with two value kinds is an
    /// error, as in the text format.
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        var kinds: [String: Int] = [:]
        self.init()
        while !container.isAtEnd {
            let resource = try container.decode(Resource.self)
            if let tag = kinds[resource.name], tag != resource.value.kindTag {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "'\(resource.name)' is used with two different value types")
            }
            kinds[resource.name] = resource.value.kindTag
            add(resource)
        }
    }

    /// Encodes the canonical entries as a JSON array.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for entry in entries { try container.encode(entry) }
    }
}
