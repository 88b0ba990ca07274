import Testing
@testable import VigilServer

@Suite("Reading request JSON")
struct JSONScannerTests {
    @Test func stringsAndNumbers() throws {
        var scanner = JSONScanner(Array(#" {"a\"b\\\/\n\t\u00e9\ud83d\ude00": [-0.5e2, 0, 12.25E-1, 3], "k": true} "#.utf8))
        try scanner.begin(0x7B)
        var keys = 0
        #expect(try scanner.nextKey(&keys) == "a\"b\\/\n\té😀")
        try scanner.begin(0x5B)
        var values: [Double] = []
        var index = 0
        while try scanner.nextElement(&index) { values.append(try scanner.number()) }
        #expect(values == [-50, 0, 1.225, 3])
        #expect(try scanner.nextKey(&keys) == "k")
        #expect(try scanner.bool())
        #expect(try scanner.nextKey(&keys) == nil)
        try scanner.end()
    }

    @Test func malformedNumbersAndStrings() {
        for (text, message) in [
            ("01", "malformed JSON at byte 1: expected the end of the body, got 1"),
            ("-", "malformed JSON at byte 1: expected a digit, got the end of the body"),
            ("1.", "malformed JSON at byte 2: expected a digit after '.', got the end of the body"),
            ("1e+", "malformed JSON at byte 3: expected a digit in the exponent, got the end of the body"),
            ("\"a\u{01}\"", "malformed JSON at byte 2: expected a closing '\"' (control characters must be escaped), got \u{01}\""),
            ("\"abc", "malformed JSON at byte 4: expected a closing '\"', got the end of the body"),
            ("\"\\x\"", "malformed JSON at byte 2: expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u), got x\""),
            ("nul", "malformed JSON at byte 0: expected a value, got nul"),
        ] {
            var scanner = JSONScanner(Array(text.utf8))
            #expect(throws: ServiceError.self) {
                do {
                    try scanner.skipValue()
                    try scanner.end()
                } catch let error as ServiceError {
                    #expect(error.message == message, "\(text)")
                    throw error
                }
            }
        }
    }
}
