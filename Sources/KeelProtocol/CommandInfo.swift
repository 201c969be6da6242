/// What a command task or a custom executor runs (Mesos' `CommandInfo`).
public struct CommandInfo: Sendable, Hashable, Codable {
    /// How the program is given.
    public enum Program: Sendable, Hashable, Codable {
        /// Run through `/bin/sh -c`; non-empty.
        case shell(String)
        /// Run directly: the first element is the executable (looked up in `PATH` when it has no `/`), the rest its
        /// arguments; at least one element, the first non-empty.
        case argv([String])
    }

    /// What to run.
    public var program: Program
    /// The exact environment of the process (the agent's own environment is not inherited); names unique.
    public var environment: [EnvironmentVariable]
    /// The user to run as; `nil` uses the framework's user.
    public var user: String?

    /// A command.
    public init(_ program: Program, environment: [EnvironmentVariable] = [], user: String? = nil) {
        self.program = program
        self.environment = environment
        self.user = user
    }

    /// `CommandInfo(.shell(text))`.
    public static func shell(_ text: String, environment: [EnvironmentVariable] = []) -> CommandInfo {
        CommandInfo(.shell(text), environment: environment)
    }

    /// `CommandInfo(.argv(arguments))`.
    public static func argv(_ arguments: [String], environment: [EnvironmentVariable] = []) -> CommandInfo {
        CommandInfo(.argv(arguments), environment: environment)
    }

    /// What is wrong with the command, or `nil` when it can be launched: empty shell text or argv, an empty
    /// executable, NUL bytes anywhere, or a bad or repeated environment variable name.
    public var problem: String? {
        switch program {
        case .shell(let text):
            if text.isEmpty { return "shell command is empty" }
            if text.utf8.contains(0) { return "shell command contains a NUL byte" }
        case .argv(let arguments):
            guard let first = arguments.first else { return "argv is empty" }
            if first.isEmpty { return "argv[0] (the executable) is empty" }
            for (index, argument) in arguments.enumerated() where argument.utf8.contains(0) {
                return "argv[\(index)] contains a NUL byte"
            }
        }
        var names = Set<String>()
        for variable in environment {
            if let problem = variable.problem { return problem }
            if !names.insert(variable.name).inserted { return "environment variable '\(variable.name)' is set twice" }
        }
        if let user, user.isEmpty { return "user is empty" }
        return nil
    }
}

/// One environment variable of a command.
public struct EnvironmentVariable: Sendable, Hashable, Codable {
    /// The name: non-empty, no `=` or NUL.
    public var name: String
    /// The value: no NUL.
    public var value: String

    /// A variable.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// What is wrong with the variable, or `nil`.
    public var problem: String? {
        if name.isEmpty { return "environment variable name is empty" }
        if name.contains("=") { return "environment variable name '\(name)' contains '='" }
        if name.utf8.contains(0) { return "environment variable name contains a NUL byte" }
        if value.utf8.contains(0) { return "environment variable '\(name)' has a NUL byte in its value" }
        return nil
    }
}
