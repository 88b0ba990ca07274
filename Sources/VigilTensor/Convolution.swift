/// The geometry of a 2-D convolution over NHWC images, Keras conventions.
///
/// With `padding == .same` the output has `⌈input / stride⌉` positions per spatial axis and
/// the total padding `max((output − 1)·stride + kernel − input, 0)` is split with the
/// smaller half before (top/left), as TensorFlow does. With `.valid` there is no padding
/// and `⌊(input − kernel) / stride⌋ + 1` positions.
public struct ConvolutionGeometry: Sendable, Equatable {
    /// How the input border is treated.
    public enum Padding: String, Sendable, Codable, CaseIterable {
        /// Zero padding so that every input position is covered (`⌈n / s⌉` outputs).
        case same
        /// No padding (only windows that fit entirely).
        case valid
    }

    public let batch: Int
    public let inputHeight: Int, inputWidth: Int, channels: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let strideHeight: Int, strideWidth: Int
    public let padTop: Int, padLeft: Int
    public let outputHeight: Int, outputWidth: Int

    /// The geometry of a convolution of `[batch, inputHeight, inputWidth, channels]` images.
    public init(
        batch: Int, inputHeight: Int, inputWidth: Int, channels: Int,
        kernel: (height: Int, width: Int), strides: (height: Int, width: Int), padding: Padding
    ) {
        precondition(kernel.height > 0 && kernel.width > 0, "convolution: kernel \(kernel) must be positive")
        precondition(strides.height > 0 && strides.width > 0, "convolution: strides \(strides) must be positive")
        self.batch = batch
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.channels = channels
        kernelHeight = kernel.height
        kernelWidth = kernel.width
        strideHeight = strides.height
        strideWidth = strides.width
        func axis(_ input: Int, _ kernel: Int, _ stride: Int) -> (output: Int, before: Int) {
            switch padding {
            case .same:
                let output = (input + stride - 1) / stride
                let total = max((output - 1) * stride + kernel - input, 0)
                return (output, total / 2)
            case .valid:
                precondition(input >= kernel, "convolution: input extent \(input) smaller than kernel \(kernel) with valid padding")
                return ((input - kernel) / stride + 1, 0)
            }
        }
        (outputHeight, padTop) = axis(inputHeight, kernel.height, strides.height)
        (outputWidth, padLeft) = axis(inputWidth, kernel.width, strides.width)
    }

    /// Rows of the patch matrix: one per output position of every image.
    public var patchCount: Int { batch * outputHeight * outputWidth }
    /// Columns of the patch matrix: `kernelHeight · kernelWidth · channels`.
    public var patchLength: Int { kernelHeight * kernelWidth * channels }
    /// The shape of the images, `[batch, inputHeight, inputWidth, channels]`.
    public var inputShape: [Int] { [batch, inputHeight, inputWidth, channels] }

    /// Calls `body(patchRow, patchColumnOfChannel0, inputOffsetOfChannel0)` for every
    /// kernel tap of the images in `images` that lands inside the image.
    @inline(__always)
    func forEachTap(images: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        for n in images {
            for oy in 0..<outputHeight {
                for ox in 0..<outputWidth {
                    let row = (n * outputHeight + oy) * outputWidth + ox
                    for ky in 0..<kernelHeight {
                        let y = oy * strideHeight + ky - padTop
                        if y < 0 || y >= inputHeight { continue }
                        for kx in 0..<kernelWidth {
                            let x = ox * strideWidth + kx - padLeft
                            if x < 0 || x >= inputWidth { continue }
                            body(row, (ky * kernelWidth + kx) * channels, ((n * inputHeight + y) * inputWidth + x) * channels)
                        }
                    }
                }
            }
        }
    }

    /// Runs `body` on blocks of whole images, over threads when the patches are large: every
    /// image's patches and pixels belong to it alone, so the blocks write disjoint places
    /// and the split cannot change a value.
    func inImageBlocks(_ body: (Range<Int>) -> Void) {
        let perImage = max(1, outputHeight * outputWidth * patchLength)
        parallelChunks(batch, minimumPerThread: max(1, (1 << 16) / perImage), body)
    }
}

extension Tensor {
    /// Unfolds NHWC images into the patch matrix `[patchCount, patchLength]`, whose row
    /// for output position `(n, oy, ox)` lists the window under the kernel in `(ky, kx, c)`
    /// order (zeros where the window hangs over the padding).
    public func im2col(_ geometry: ConvolutionGeometry) -> Tensor {
        precondition(shape == geometry.inputShape, "im2col: images of shape \(shape), geometry expects \(geometry.inputShape)")
        var result = Tensor(zeros: [geometry.patchCount, geometry.patchLength])
        let length = geometry.patchLength
        let channels = geometry.channels
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { out in
                let pointers = UncheckedSendable((x.baseAddress!, out.baseAddress!))
                geometry.inImageBlocks { images in
                    let (x, out) = pointers.value
                    geometry.forEachTap(images: images) { row, column, offset in
                        (out + row * length + column).update(from: x + offset, count: channels)
                    }
                }
            }
        }
        return result
    }

    /// Folds a patch matrix back into NHWC images, adding overlapping windows: the
    /// adjoint of ``im2col(_:)``.
    public func col2im(_ geometry: ConvolutionGeometry) -> Tensor {
        precondition(
            shape == [geometry.patchCount, geometry.patchLength],
            "col2im: patches of shape \(shape), geometry expects \([geometry.patchCount, geometry.patchLength])")
        var result = Tensor(zeros: geometry.inputShape)
        let length = geometry.patchLength
        let channels = geometry.channels
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { out in
                let pointers = UncheckedSendable((x.baseAddress!, out.baseAddress!))
                geometry.inImageBlocks { images in
                    let (x, out) = pointers.value
                    geometry.forEachTap(images: images) { row, column, offset in
                        let (source, target) = (x + row * length + column, out + offset)
                        for c in 0..<channels { target[c] += source[c] }
                    }
                }
            }
        }
        return result
    }
}
