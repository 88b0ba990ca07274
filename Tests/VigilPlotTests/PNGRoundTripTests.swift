import Testing
import VigilData
@testable import VigilPlot

@Suite("PNG written by Vigil")
struct PNGRoundTripTests {
    /// What Vigil's encoder writes (stored deflate blocks, no filter), Vigil's reader reads back
    /// pixel for pixel, also when the image data spans several deflate blocks.
    @Test(arguments: [(7, 3), (200, 120)])
    func encoderOutputDecodesToTheSamePixels(width: Int, height: Int) throws {
        let rgb = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 3) }
        let image = try PNGReader.decode(PNG.encode(width: width, height: height, rgb: rgb), file: "vigil.png")
        #expect(image == PNGReader.Image(width: width, height: height, channels: 3, pixels: rgb))
    }
}
