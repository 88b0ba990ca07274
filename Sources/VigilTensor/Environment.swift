import Foundation

/// Reads process environment variables.
enum Environment {
    static func value(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name]
    }
}

