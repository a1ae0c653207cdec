/// Rows copied out of SQLite into one buffer, so that their hashes can be
/// computed on another thread while the next rows are read (SQLite's row
/// memory is only valid until the next step).
struct RowBatch: Sendable {
    private struct Entry: Sendable {
        var seq: Int64
        var event: Range<Int>
        var prevHash: Range<Int>
        var hash: Range<Int>
    }

    private var bytes: [UInt8] = []
    private var entries: [Entry] = []

    init(capacity: Int) {
        entries.reserveCapacity(capacity)
        bytes.reserveCapacity(capacity * 768)
    }

    var count: Int { entries.count }

    /// Empties the batch but keeps its memory, so a verify of millions of
    /// rows reuses two buffers instead of faulting in fresh pages per batch.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }

    mutating func append(_ row: ChainRow) {
        func copy(_ field: UnsafeRawBufferPointer) -> Range<Int> {
            let start = bytes.count
            bytes.append(contentsOf: field)
            return start..<bytes.count
        }
        entries.append(Entry(seq: row.seq, event: copy(row.event), prevHash: copy(row.prevHash), hash: copy(row.hash)))
    }

    /// For each row, whether its stored hash recomputes from its content.
    func hashesMatch() -> [Bool] {
        var hasher = ChainHasher()
        return (0..<entries.count).map { index in
            withRow(index) { row in hasher.hash(event: row.event, prevHash: row.prevHash, seq: row.seq).matches(row.hash) }
        }
    }

    /// Hands every row, in order, with its hash result to `walk`.
    func visitRows(_ hashMatches: [Bool], _ walk: inout ChainWalk) {
        for index in entries.indices {
            withRow(index) { walk.visit($0, hashMatches: hashMatches[index]) }
        }
    }

    private func withRow<T>(_ index: Int, _ body: (ChainRow) -> T) -> T {
        let entry = entries[index]
        return bytes.withUnsafeBytes { all in
            body(ChainRow(seq: entry.seq, event: UnsafeRawBufferPointer(rebasing: all[entry.event]),
                          prevHash: UnsafeRawBufferPointer(rebasing: all[entry.prevHash]),
                          hash: UnsafeRawBufferPointer(rebasing: all[entry.hash])))
        }
    }
}
