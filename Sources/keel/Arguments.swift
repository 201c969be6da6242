import Foundation

/// A bad command line: printed with the command's usage, exit status 2.
struct UsageError: Error {
    var message: String
}

/// The flags of one command, parsed: `--name value` or `--name=value`; everything after `--` is ``rest``.
struct Flags {
    private(set) var values: [String: String] = [:]
    private(set) var rest: [String] = []

    /// Parses `arguments` accepting only `known` flags (each takes a value). `allowRest`: whether `-- …` may follow.
    init(_ arguments: [String], known: [String], allowRest: Bool = false) throws(UsageError) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                guard allowRest else { throw UsageError(message: "unexpected \"--\"") }
                rest = Array(arguments[index...])
                return
            }
            guard argument.hasPrefix("--") else { throw UsageError(message: "unexpected argument \"\(argument)\"") }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard known.contains(name) else { throw UsageError(message: "unknown flag --\(name)") }
            if value == nil {
                guard index < arguments.count else { throw UsageError(message: "flag --\(name) needs a value") }
                value = arguments[index]
                index += 1
            }
            values[name] = value
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    /// An integer flag within `range`.
    func integer(_ name: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError(message: "flag --\(name): expected an integer \(range.lowerBound)–\(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    /// A positive decimal flag.
    func positive(_ name: String) throws(UsageError) -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value.isFinite, value > 0 else {
            throw UsageError(message: "flag --\(name): expected a positive number, got \"\(text)\"")
        }
        return value
    }
}

/// Writes `text` and a newline to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Prints a line and flushes it at once, so transcripts read through pipes arrive as they happen.
func say(_ text: String) {
    print(text)
    fflush(nil)
}
