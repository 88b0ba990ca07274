/// Errors thrown by models, layers and the training loop when their input is unusable.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// `component` expected input of shape `expected` (−1 = any extent) and got `actual`.
    case shapeMismatch(component: String, expected: [Int], actual: [Int])
    /// An argument outside its domain: which one, its value, and what it must be.
    case invalidArgument(name: String, value: String, requirement: String)
    /// The loss became NaN or infinite.
    case nonFiniteLoss(epoch: Int, batch: Int, value: Float)

    public var description: String {
        switch self {
        case let .shapeMismatch(component, expected, actual):
            let shown = expected.map { $0 < 0 ? "any" : String($0) }.joined(separator: ", ")
            return "\(component): expected input of shape [\(shown)], got \(actual)"
        case let .invalidArgument(name, value, requirement):
            return "invalid \(name) \(value): \(requirement)"
        case let .nonFiniteLoss(epoch, batch, value):
            return "training diverged: loss \(value) at epoch \(epoch), batch \(batch); lower the learning rate or check the data for NaN/infinite values"
        }
    }

    /// Checks that `actual` matches `expected`, where −1 in `expected` accepts any extent.
    static func check(_ actual: [Int], matches expected: [Int], in component: String) throws(ModelError) {
        guard actual.count == expected.count,
            zip(actual, expected).allSatisfy({ $1 < 0 || $0 == $1 })
        else { throw .shapeMismatch(component: component, expected: expected, actual: actual) }
    }

    /// Throws ``invalidArgument(name:value:requirement:)`` unless `condition` holds.
    static func require(_ condition: Bool, _ name: String, _ value: Any, _ requirement: String) throws(ModelError) {
        if !condition { throw .invalidArgument(name: name, value: "\(value)", requirement: requirement) }
    }
}
