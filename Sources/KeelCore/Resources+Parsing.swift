extension Resources {
    /// Parses the text format `cpus:4;mem:8192;ports:[31000-32000,40000-40010];cpus(eng):2;disks:{a,b}`.
    ///
    /// Items are separated by `;` (blanks around items are ignored, empty items skipped); `name(role)` marks a
    /// static reservation and `name(role,principal)` a dynamic one. Repeated items add up. Rejected, with the
    /// offending token and its byte offset: negative, NaN, infinite or oversized amounts; inverted or overlapping
    /// ranges; invalid role names; a name used as two value kinds; anything else outside the grammar.
    public static func parse(_ text: String) throws(ResourceParseError) -> Resources {
        var resources = Resources()
        for (entry, _) in try ResourceText.parseResourceEntries(text) { resources.add(entry) }
        return resources
    }
}
