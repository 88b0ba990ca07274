/// Text taken from a file, safe to print in an error message: at most 80 characters,
/// control characters (a terminal's escape sequences included) shown as `\u{1b}`.
public func messageText(_ text: some StringProtocol) -> String {
    let clipped = text.count > 80 ? String(text.prefix(80)) + "…" : String(text)
    return clipped.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
}

/// Bytes taken from a file as hexadecimal (`93 4e 55`), for error messages.
public func hexBytes(_ bytes: some Collection<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
}
