using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// First-wins duplicate detection over 128-bit keyed key fingerprints (<see cref="KeyFingerprinter"/>) in memory
/// that does not grow with the file.
/// Keys go to a fixed open-addressing table (<c>tableSlots</c> × 16 bytes); when it is 75 % full, its keys are
/// sorted and appended to a temp file as a run, added to a split-block Bloom filter, and the table is cleared.
/// A new key is looked up on disk only when the Bloom filter says it may be in a run (a real duplicate of an
/// old row, or a ~0.1–0.5 % false positive); a run lookup is one 4 KiB read found through a sparse in-memory
/// index (every 512th key). Exact: the answer is the same as an unbounded hash set of the fingerprints.
/// Defaults: 16 MiB table (2^20 slots) + 32 MiB Bloom filter (allocated at the first spill only), ~786 k keys per run.
/// </summary>
internal sealed class SpillingKeySet : IDisposable
{
    private const int IndexStride = 512;
    private const int KeyBytes = 16;
    private UInt128[] _table;
    private readonly int _shift;
    private readonly int _mask;
    private readonly int _maxInTable;
    private readonly int _bloomBytes;
    private readonly List<(long Offset, int Count, UInt128[] Index)> _runs = [];
    private readonly UInt128[] _block = new UInt128[IndexStride];
    private SplitBlockBloomFilter? _bloom;
    private SafeFileHandle? _file;
    private long _fileLength;
    private int _inTable;
    private readonly string? _folder;

    /// <param name="tableSlots">In-memory slots (16 bytes each), rounded up to a power of two.</param>
    /// <param name="bloomBytes">Size of the Bloom filter over spilled keys (allocated at the first spill).</param>
    /// <param name="folder">Where the spill file goes (ingestion's scratch folder); null = the system temp folder.</param>
    public SpillingKeySet(int tableSlots = 1 << 20, int bloomBytes = 32 << 20, string? folder = null)
    {
        _folder = folder;
        tableSlots = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, tableSlots));
        _table = new UInt128[tableSlots];
        _mask = tableSlots - 1;
        _shift = 128 - int.Log2(tableSlots);
        _maxInTable = tableSlots / 4 * 3;
        _bloomBytes = bloomBytes;
    }

    /// <summary>Distinct keys added.</summary>
    public long Count { get; private set; }

    /// <summary>Sorted runs written to the temp file so far.</summary>
    public int Runs => _runs.Count;

    /// <summary>Adds a fingerprint; false when it was already there (the row is a duplicate).</summary>
    public bool Add(UInt128 key)
    {
        if (key == 0)
        {
            key = 1; // 0 marks an empty slot
        }

        var i = (int)(key >> _shift);
        while (true)
        {
            var slot = _table[i];
            if (slot == 0)
            {
                break;
            }

            if (slot == key)
            {
                return false;
            }

            i = (i + 1) & _mask;
        }

        if (_bloom is not null && _bloom.MayContain((ulong)key) && InRuns(key))
        {
            return false;
        }

        _table[i] = key;
        Count++;
        if (++_inTable >= _maxInTable)
        {
            Spill();
        }

        return true;
    }

    private bool InRuns(UInt128 key)
    {
        foreach (var (offset, count, index) in _runs)
        {
            var at = index.AsSpan().BinarySearch(key);
            if (at >= 0)
            {
                return true;
            }

            var block = ~at - 1; // the last indexed key below `key` starts the only block that can hold it
            if (block < 0)
            {
                continue;
            }

            var n = Math.Min(IndexStride, count - (block * IndexStride));
            var keys = _block.AsSpan(0, n);
            RandomAccess.Read(_file!, MemoryMarshal.AsBytes(keys), offset + ((long)block * IndexStride * KeyBytes));
            if (keys.BinarySearch(key) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private void Spill()
    {
        var n = CompactNearlySorted();
        var keys = _table.AsSpan(0, n);
        SortNearlySorted(keys);
        _file ??= TempFile.Create(_folder);
        _bloom ??= new SplitBlockBloomFilter(_bloomBytes);
        RandomAccess.Write(_file, MemoryMarshal.AsBytes(keys), _fileLength);
        var index = new UInt128[(n + IndexStride - 1) / IndexStride];
        for (var k = 0; k < index.Length; k++)
        {
            index[k] = keys[k * IndexStride];
        }

        foreach (var key in keys)
        {
            _bloom.Add((ulong)key); // the fingerprints are uniform, so their low half is as good as a hash
        }

        _runs.Add((_fileLength, n, index));
        _fileLength += (long)n * KeyBytes;
        Array.Clear(_table);
        _inTable = 0;
    }

    /// <summary>
    /// Moves the keys to the front of the table in an order that is already sorted but for short local swaps. A key's
    /// home slot is its top bits, so slot order is key order except where linear probing pushed a key a few slots on,
    /// and for a cluster that wrapped from the end of the table to its start: those keys are moved to the end.
    /// </summary>
    private int CompactNearlySorted()
    {
        var firstEmpty = Array.IndexOf(_table, UInt128.Zero); // exists: the table is at most 3/4 full
        var wrapped = new List<UInt128>();
        var n = 0;
        for (var i = 0; i < _table.Length; i++)
        {
            var key = _table[i];
            if (key == 0)
            {
                continue;
            }

            if (i < firstEmpty && (int)(key >> _shift) > firstEmpty)
            {
                wrapped.Add(key); // home near the end, placed at the start by wrap-around probing
                continue;
            }

            _table[n++] = key;
        }

        foreach (var key in wrapped)
        {
            _table[n++] = key;
        }

        return n;
    }

    /// <summary>Insertion sort: linear on the compacted table (each key is at most a probe cluster away from its place), where IntroSort took ~0.4 s per spill on the serial commit stage.</summary>
    private static void SortNearlySorted(Span<UInt128> keys)
    {
        // Guard: keys crafted to share top bits would make this quadratic; past a linear budget, sort generally.
        var budget = 64L * keys.Length;
        for (var i = 1; i < keys.Length; i++)
        {
            var key = keys[i];
            var j = i - 1;
            while (j >= 0 && keys[j] > key)
            {
                keys[j + 1] = keys[j];
                j--;
            }

            keys[j + 1] = key;
            budget -= i - 1 - j;
            if (budget < 0)
            {
                keys.Sort();
                return;
            }
        }
    }

    /// <summary>Closes the spill file and lets go of the table and the filter (tens of MB) even if the set is still referenced.</summary>
    public void Dispose()
    {
        _file?.Dispose();
        _table = [];
        _bloom = null;
        _runs.Clear();
    }
}

/// <summary>
/// Counts rows per k-anonymity group (a 64-bit hash of the generalized quasi-identifiers) in bounded memory:
/// a dictionary of at most <c>maxGroupsInMemory</c> groups, spilled as a sorted run of (group, count) to a temp
/// file when full; <see cref="SmallestGroup"/> merges the runs (summing a group's counts across runs).
/// </summary>
internal sealed class SpillingGroupCounter(int maxGroupsInMemory = 1 << 18, string? folder = null) : IDisposable
{
    private readonly string? _folder = folder;
    private const int ReadPairs = 4096;
    private readonly Dictionary<ulong, long> _groups = new(Math.Min(maxGroupsInMemory, 1 << 16));
    private readonly List<(long Offset, int Count)> _runs = [];
    private (ulong Group, long Count)[]? _pairs;
    private SafeFileHandle? _file;
    private long _fileLength;

    public int Runs => _runs.Count;

    public void Add(ulong group)
    {
        ref var n = ref CollectionsMarshal.GetValueRefOrAddDefault(_groups, group, out var exists);
        n++;
        if (!exists && _groups.Count >= maxGroupsInMemory)
        {
            Spill();
        }
    }

    /// <summary>The smallest group's row count; null when nothing was counted.</summary>
    public long? SmallestGroup()
    {
        if (_runs.Count == 0)
        {
            return _groups.Count == 0 ? null : _groups.Values.Min();
        }

        if (_groups.Count > 0)
        {
            Spill();
        }

        // K-way merge of the sorted runs: equal groups arrive together, their counts are summed.
        var readers = _runs.Select(r => new RunReader(_file!, r.Offset, r.Count)).ToArray();
        var queue = new PriorityQueue<int, ulong>(readers.Length);
        for (var i = 0; i < readers.Length; i++)
        {
            if (readers[i].MoveNext())
            {
                queue.Enqueue(i, readers[i].Group);
            }
        }

        long smallest = long.MaxValue;
        var current = 0UL;
        long sum = 0;
        var any = false;
        while (queue.TryDequeue(out var i, out var group))
        {
            if (!any || group != current)
            {
                if (any)
                {
                    smallest = Math.Min(smallest, sum);
                }

                current = group;
                sum = 0;
                any = true;
            }

            sum += readers[i].Count;
            if (readers[i].MoveNext())
            {
                queue.Enqueue(i, readers[i].Group);
            }
        }

        return any ? Math.Min(smallest, sum) : null;
    }

    private void Spill()
    {
        // One buffer for every spill: a new multi-MB array per spill would pile up on the large-object heap
        // until the next full GC.
        _pairs ??= new (ulong Group, long Count)[Math.Max(_groups.Count, maxGroupsInMemory)];
        var pairs = _pairs.AsSpan(0, _groups.Count);
        var n = 0;
        foreach (var (g, c) in _groups)
        {
            pairs[n++] = (g, c);
        }

        pairs.Sort(static (a, b) => a.Group.CompareTo(b.Group));
        _file ??= TempFile.Create(_folder);
        RandomAccess.Write(_file, MemoryMarshal.AsBytes(pairs), _fileLength);
        _runs.Add((_fileLength, n));
        _fileLength += (long)n * 16;
        _groups.Clear();
    }

    public void Dispose()
    {
        _file?.Dispose();
        _groups.Clear();
        _groups.TrimExcess();
    }

    private sealed class RunReader(SafeFileHandle file, long offset, int count)
    {
        private readonly (ulong Group, long Count)[] _buffer = new (ulong, long)[Math.Min(ReadPairs, Math.Max(count, 1))];
        private int _read;
        private int _at;
        private int _filled;

        public ulong Group { get; private set; }

        public long Count { get; private set; }

        public bool MoveNext()
        {
            if (_at == _filled)
            {
                if (_read == count)
                {
                    return false;
                }

                _filled = Math.Min(_buffer.Length, count - _read);
                RandomAccess.Read(file, MemoryMarshal.AsBytes(_buffer.AsSpan(0, _filled)), offset + ((long)_read * 16));
                _read += _filled;
                _at = 0;
            }

            (Group, Count) = _buffer[_at++];
            return true;
        }
    }
}

/// <summary>
/// Split-block Bloom filter (as in Parquet): 32-byte blocks of eight 32-bit words, one bit set per word, so a
/// lookup touches one cache line. ~0.1 % false positives at 16 bits per key, ~0.5 % at 10.
/// </summary>
internal sealed class SplitBlockBloomFilter
{
    private static readonly uint[] Salt = [0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU, 0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U];
    private readonly uint[] _words;
    private readonly ulong _blocks;

    public SplitBlockBloomFilter(int bytes)
    {
        var blocks = Math.Max(1, bytes / 32);
        _words = new uint[blocks * 8];
        _blocks = (ulong)blocks;
    }

    public void Add(ulong key)
    {
        var b = Block(key);
        var h = (uint)(key >> 32);
        for (var w = 0; w < 8; w++)
        {
            _words[b + w] |= 1U << (int)((h * Salt[w]) >> 27);
        }
    }

    public bool MayContain(ulong key)
    {
        var b = Block(key);
        var h = (uint)(key >> 32);
        for (var w = 0; w < 8; w++)
        {
            if ((_words[b + w] & (1U << (int)((h * Salt[w]) >> 27))) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private int Block(ulong key) => (int)((((key * 0x9E3779B97F4A7C15UL) >> 32) * _blocks) >> 32) * 8;
}

/// <summary>A private scratch file, deleted when closed; one a killed process leaves is removed at the next start
/// (<see cref="IngestionScratch"/>).</summary>
internal static class TempFile
{
    public static SafeFileHandle Create(string? folder = null) =>
        File.OpenHandle(
            IngestionScratch.NewPath(folder ?? Path.GetTempPath()),
            FileMode.CreateNew,
            FileAccess.ReadWrite,
            FileShare.None,
            FileOptions.DeleteOnClose);
}
