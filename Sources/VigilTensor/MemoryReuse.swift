#if canImport(Glibc)
import Glibc
#endif

/// How the process's allocator treats the large, short-lived buffers of training.
public enum MemoryReuse {
    /// Keeps freed buffers of up to 1 GiB in the heap for the next allocation instead of
    /// returning them to the system (Linux's glibc; elsewhere nothing to do).
    ///
    /// glibc maps every allocation above its threshold (at most 32 MiB) afresh and unmaps it
    /// on free, so each training step of a convolutional network (patch matrices of 8–16 MiB
    /// per layer) pays for zeroing new pages: about 13 % of a CIFAR-10 VAE epoch here (page
    /// faults, `clear_page`, cgroup accounting). Call once at start-up; it raises the
    /// process's resident size to its peak working set, which it reaches anyway.
    public static func keepFreedBuffers() {
        #if canImport(Glibc)
        // `mallopt` lives in <malloc.h>, which Swift's Glibc module leaves out: found by
        // name, with glibc's option numbers M_TRIM_THRESHOLD (−1) and M_MMAP_THRESHOLD (−3).
        typealias SetOption = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: SetOption.self)
        _ = mallopt(-3, 1 << 30)
        _ = mallopt(-1, 1 << 30)
        #endif
    }
}
