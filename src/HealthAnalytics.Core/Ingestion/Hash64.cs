namespace HealthAnalytics.Ingestion;

/// <summary>A fast, non-cryptographic 64-bit hash (not exposed: fingerprints never leave the process).</summary>
internal static class Hash64
{
    private const ulong P1 = 0x9E3779B185EBCA87UL;
    private const ulong P2 = 0xC2B2AE3D27D4EB4FUL;

    public static ulong Add(ulong state, ReadOnlySpan<char> text) => Add(state, System.Runtime.InteropServices.MemoryMarshal.AsBytes(text));

    public static ulong Add(ulong state, ReadOnlySpan<byte> bytes)
    {
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
