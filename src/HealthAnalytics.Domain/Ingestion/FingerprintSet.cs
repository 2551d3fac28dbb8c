namespace HealthAnalytics.Domain.Ingestion;

/// <summary>
/// A set of 64-bit key fingerprints for first-wins duplicate detection, sized for ~16M rows (a 4 GB file)
/// in well under the 300 MB budget. 65,536 partitions picked by the top 16 bits; each stores the low 48
/// bits in a linear-probing table of (uint, ushort) = 6 bytes per slot, grown by 1.25x at 80% load, so
/// memory stays at 7.5–9.4 bytes per distinct key (16M keys ≈ 150 MB worst case) and no single growth
/// step allocates more than a sliver. Two distinct keys collide with probability ≈ n²/2⁶⁵ (16M rows:
/// 7·10⁻⁶), which would mark one row a duplicate; that risk is accepted and documented.
/// </summary>
internal sealed class FingerprintSet
{
    private const int PartitionBits = 16;
    private readonly Partition[] _partitions = new Partition[1 << PartitionBits];

    public long Count { get; private set; }

    /// <summary>Adds a fingerprint; false when it was already there.</summary>
    public bool Add(ulong fingerprint)
    {
        var p = (int)(fingerprint >> (64 - PartitionBits));
        var rest = fingerprint & 0xFFFF_FFFF_FFFFUL;
        if (rest == 0)
        {
            rest = 1; // 0 marks an empty slot
        }

        var partition = _partitions[p] ??= new Partition();
        if (!partition.Add(rest))
        {
            return false;
        }

        Count++;
        return true;
    }

    public long ApproximateBytes => _partitions.Sum(p => p?.Bytes ?? 0L) + (_partitions.Length * 8L);

    private sealed class Partition
    {
        private uint[] _low = new uint[16];
        private ushort[] _high = new ushort[16];
        private int _count;

        public long Bytes => _low.Length * 6L;

        public bool Add(ulong value)
        {
            if (_count + 1 > _low.Length * 4 / 5)
            {
                Grow();
            }

            if (!Insert(_low, _high, value))
            {
                return false;
            }

            _count++;
            return true;
        }

        private static bool Insert(uint[] low, ushort[] high, ulong value)
        {
            var lo = (uint)value;
            var hi = (ushort)(value >> 32);
            var mask = low.Length;
            // Mix before probing: the low bits of the fingerprint are already uniform, but cheap insurance.
            var i = (int)((value * 0x9E3779B97F4A7C15UL) >> 33) % mask;
            while (true)
            {
                if (low[i] == 0 && high[i] == 0)
                {
                    low[i] = lo;
                    high[i] = hi;
                    return true;
                }

                if (low[i] == lo && high[i] == hi)
                {
                    return false;
                }

                i = i + 1 == mask ? 0 : i + 1;
            }
        }

        private void Grow()
        {
            var size = Math.Max(32, _low.Length + (_low.Length / 4));
            var low = new uint[size];
            var high = new ushort[size];
            for (var i = 0; i < _low.Length; i++)
            {
                if (_low[i] != 0 || _high[i] != 0)
                {
                    Insert(low, high, _low[i] | ((ulong)_high[i] << 32));
                }
            }

            _low = low;
            _high = high;
        }
    }
}

/// <summary>A fast, non-cryptographic 64-bit hash (not exposed: fingerprints never leave the process).</summary>
internal static class Hash64
{
    private const ulong P1 = 0x9E3779B185EBCA87UL;
    private const ulong P2 = 0xC2B2AE3D27D4EB4FUL;

    public static ulong Add(ulong state, ReadOnlySpan<char> text)
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(text);
        var h = state ^ ((ulong)bytes.Length * P1);
        while (bytes.Length >= 8)
        {
            var k = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            h ^= ulong.RotateLeft(k * P2, 31) * P1;
            h = (ulong.RotateLeft(h, 27) * P1) + 0x52DCE729UL;
            bytes = bytes[8..];
        }

        foreach (var b in bytes)
        {
            h ^= b * 0x27D4EB2F165667C5UL;
            h = ulong.RotateLeft(h, 11) * P1;
        }

        return Mix(h);
    }

    public static ulong Add(ulong state, ulong value) => Mix(state ^ (value * P2) ^ P1);

    public static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return h;
    }
}
