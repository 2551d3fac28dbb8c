using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// HMAC-SHA256 (RFC 2104) of many short messages under one key, bit-identical to <see cref="HMACSHA256"/>, written as
/// lower-case hex. Built once per key; immutable and thread-safe; the batch methods do not allocate.
/// </summary>
/// <remarks>
/// <para>Why not OpenSSL: <see cref="IncrementalHash"/> costs ~1.3 µs per short identifier, nearly all of it call
/// overhead (error-queue clearing, allocations, SafeHandle), while the hashing itself is two SHA-256 blocks. .NET has
/// no x86 SHA-NI intrinsics, but AVX2 runs 8 independent SHA-256 computations in one <see cref="Vector256{T}"/> of
/// <see cref="uint"/> ("multi-buffer" SHA-256), and the pseudonymization of a CSV is exactly that: many independent
/// messages under one key.</para>
/// <para>Why two blocks per message: HMAC is <c>H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m))</c>. Both key blocks are
/// the same for every message, so their SHA-256 states after one compression (the midstates) are computed once here.
/// A message of at most 55 bytes then needs one inner block (message, 0x80, zeros, bit length) and one outer block
/// (the 32-byte inner digest plus fixed padding). Longer messages take more inner blocks; a lane that has finished
/// keeps its state while the longest message of its group completes.</para>
/// <para>Lane layout: lane <c>j</c> of vector <c>W[t]</c> holds big-endian word <c>t</c> of message <c>j</c>'s
/// current block (the blocks are transposed so each SIMD instruction does one step of all lanes' round functions).
/// The same generic code runs with 8 lanes (<see cref="Vector256{T}"/>), 4 lanes (<see cref="Vector128{T}"/>) or
/// 1 lane (plain <see cref="uint"/>) when the hardware lacks wider vectors.</para>
/// </remarks>
public sealed class HmacSha256Lanes : IDisposable
{
    /// <summary>Bytes of a MAC.</summary>
    public const int MacLength = 32;

    /// <summary>Hex characters (or UTF-8 bytes) of a whole MAC.</summary>
    public const int HexLength = 64;

    private const int BlockLength = 64;

    // SHA-256 initial hash value (FIPS 180-4 §5.3.3).
    private static ReadOnlySpan<uint> InitialState =>
    [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ];

    // SHA-256 round constants (FIPS 180-4 §4.2.2).
    private static ReadOnlySpan<uint> K =>
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private readonly uint[] _innerMidstate;
    private readonly uint[] _outerMidstate;
    private bool _disposed;

    /// <summary>Precomputes the keyed midstates. <paramref name="key"/> may be any length (longer than a block is hashed first, as RFC 2104 says).</summary>
    public HmacSha256Lanes(ReadOnlySpan<byte> key)
    {
        Span<byte> block = stackalloc byte[BlockLength];
        block.Clear();
        if (key.Length > BlockLength)
        {
            SHA256.HashData(key, block);
        }
        else
        {
            key.CopyTo(block);
        }

        Span<byte> padded = stackalloc byte[BlockLength];
        _innerMidstate = Midstate(block, padded, 0x36);
        _outerMidstate = Midstate(block, padded, 0x5c);
        CryptographicOperations.ZeroMemory(block);
        CryptographicOperations.ZeroMemory(padded);
    }

    /// <summary>How many messages the hardware path hashes at once (8 with AVX2, 4 with 128-bit SIMD, else 1).</summary>
    public static int HardwareLanes =>
        Vector256.IsHardwareAccelerated ? Lanes256.Count : Vector128.IsHardwareAccelerated ? Lanes128.Count : Lane1.Count;

    /// <summary>
    /// Writes <c>hex(HMAC-SHA256(key, source[m.Start..(m.Start + m.Length)]))</c> of each message <c>m</c> as 64
    /// lower-case hex UTF-8 bytes, consecutively, into <paramref name="hexDestination"/>.
    /// </summary>
    public void ComputeHex(ReadOnlySpan<byte> source, ReadOnlySpan<(int Start, int Length)> messages, Span<byte> hexDestination) =>
        ComputeHex(source, messages, hexDestination, HardwareLanes);

    /// <summary>
    /// Test hook for the start-up self-test: the lane count (8, 4 or 1) whose path flips a bit of every MAC it
    /// computes, as a miscompiled or mis-executed SIMD path would. 0 (always, outside tests) = none.
    /// </summary>
    internal int FaultyLanesForTest { get; init; }

    /// <summary>Same with a chosen lane count (8, 4 or 1), so tests cover the fallbacks on AVX2 machines too, and
    /// <paramref name="hexCharacters"/> per message: 64 is the whole MAC, fewer the hex of its leading bytes (a
    /// truncated MAC, as the pseudonyms use).</summary>
    internal void ComputeHex(ReadOnlySpan<byte> source, ReadOnlySpan<(int Start, int Length)> messages, Span<byte> hexDestination, int lanes, int hexCharacters = HexLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hexCharacters, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hexCharacters, HexLength);
        ArgumentOutOfRangeException.ThrowIfNotEqual(hexCharacters % 2, 0, nameof(hexCharacters));
        Compute(source, messages, hexDestination, lanes, hex: true, hexCharacters);
    }

    /// <summary>
    /// The raw 32-byte MACs, consecutively, into <paramref name="macDestination"/>, with a chosen lane count (8, 4 or 1;
    /// <see cref="HardwareLanes"/> in production).
    /// </summary>
    internal void ComputeMacs(ReadOnlySpan<byte> source, ReadOnlySpan<(int Start, int Length)> messages, Span<byte> macDestination, int lanes) =>
        Compute(source, messages, macDestination, lanes, hex: false, MacLength);

    /// <summary>Zeroes the keyed midstates (the key's only trace here); the instance cannot be used afterwards.</summary>
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_innerMidstate.AsSpan()));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_outerMidstate.AsSpan()));
    }

    private void Compute(ReadOnlySpan<byte> source, ReadOnlySpan<(int Start, int Length)> messages, Span<byte> destination, int lanes, bool hex, int outputLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, messages.Length * outputLength, nameof(destination));
        foreach (var (start, length) in messages)
        {
            // Checked once up front so the hot loop can slice without surprises half-way through a batch.
            if ((uint)start > (uint)source.Length || (uint)length > (uint)(source.Length - start))
            {
                throw new ArgumentOutOfRangeException(nameof(messages), "A message range lies outside the source.");
            }
        }

        switch (lanes)
        {
            case Lanes256.Count:
                Run<Lanes256>(source, messages, destination, hex, outputLength);
                break;
            case Lanes128.Count:
                Run<Lanes128>(source, messages, destination, hex, outputLength);
                break;
            case Lane1.Count:
                Run<Lane1>(source, messages, destination, hex, outputLength);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(lanes), lanes, "Lanes are 8, 4 or 1.");
        }
    }

    private static uint[] Midstate(ReadOnlySpan<byte> key, Span<byte> padded, byte pad)
    {
        for (var i = 0; i < BlockLength; i++)
        {
            padded[i] = (byte)(key[i] ^ pad);
        }

        var schedule = default(Schedule<Lane1>);
        for (var t = 0; t < 16; t++)
        {
            schedule[t] = Lane1.Broadcast(BinaryPrimitives.ReadUInt32BigEndian(padded[(t * 4)..]));
        }

        var state = default(State<Lane1>);
        for (var i = 0; i < 8; i++)
        {
            state[i] = Lane1.Broadcast(InitialState[i]);
        }

        Compress(ref state, ref schedule);
        var result = new uint[8];
        for (var i = 0; i < 8; i++)
        {
            Lane1.Store(state[i], ref result[i]);
        }

        return result;
    }

    private void Run<TLanes>(ReadOnlySpan<byte> source, ReadOnlySpan<(int Start, int Length)> messages, Span<byte> destination, bool hex, int outputLength)
        where TLanes : struct, ILanes<TLanes>
    {
        var n = TLanes.Count;
        Span<byte> padded = stackalloc byte[8 * BlockLength]; // lane-major padded blocks: lane j at j * 64
        Span<uint> digests = stackalloc uint[8 * 8];         // digests[i * n + lane]: state word i of each lane
        Span<uint> masks = stackalloc uint[8];
        Span<int> blockCounts = stackalloc int[8];
        Span<byte> mac = stackalloc byte[MacLength];
        var schedule = default(Schedule<TLanes>);
        var state = default(State<TLanes>);
        var saved = default(State<TLanes>);

        for (var first = 0; first < messages.Length; first += n)
        {
            var active = Math.Min(n, messages.Length - first);
            var blocks = 0;
            var uneven = false;
            for (var lane = 0; lane < n; lane++)
            {
                // A tail's idle lanes hash an empty message; their results are never written.
                var count = lane < active ? (messages[first + lane].Length + 8) / BlockLength + 1 : 1;
                blockCounts[lane] = count;
                uneven |= blocks != 0 && count != blocks;
                blocks = Math.Max(blocks, count);
            }

            for (var i = 0; i < 8; i++)
            {
                state[i] = TLanes.Broadcast(_innerMidstate[i]);
            }

            for (var b = 0; b < blocks; b++)
            {
                for (var lane = 0; lane < n; lane++)
                {
                    // A finished lane's stale block is hashed too, and its result discarded by the mask below.
                    if (b < blockCounts[lane])
                    {
                        var message = lane < active ? source.Slice(messages[first + lane].Start, messages[first + lane].Length) : default;
                        FillBlock(message, b, blockCounts[lane], padded.Slice(lane * BlockLength, BlockLength));
                    }
                }

                for (var t = 0; t < 16; t++)
                {
                    schedule[t] = TLanes.LoadBigEndianColumn(ref padded[t * 4]);
                }

                if (uneven)
                {
                    saved = state;
                }

                Compress(ref state, ref schedule);
                if (uneven)
                {
                    // Lanes whose message has no block b keep their finished inner state.
                    for (var lane = 0; lane < n; lane++)
                    {
                        masks[lane] = b < blockCounts[lane] ? uint.MaxValue : 0;
                    }

                    var mask = TLanes.Load(ref masks[0]);
                    for (var i = 0; i < 8; i++)
                    {
                        state[i] = TLanes.Select(mask, state[i], saved[i]);
                    }
                }
            }

            // Outer block: the inner digest words are already big-endian words, then fixed padding for
            // 64 + 32 bytes = 768 bits.
            for (var i = 0; i < 8; i++)
            {
                schedule[i] = state[i];
                state[i] = TLanes.Broadcast(_outerMidstate[i]);
            }

            schedule[8] = TLanes.Broadcast(0x80000000);
            for (var t = 9; t < 15; t++)
            {
                schedule[t] = TLanes.Broadcast(0);
            }

            schedule[15] = TLanes.Broadcast((BlockLength + MacLength) * 8);
            Compress(ref state, ref schedule);

            for (var i = 0; i < 8; i++)
            {
                TLanes.Store(state[i], ref digests[i * n]);
            }

            for (var lane = 0; lane < active; lane++)
            {
                for (var i = 0; i < 8; i++)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(mac[(i * 4)..], digests[(i * n) + lane]);
                }

                if (FaultyLanesForTest == n)
                {
                    mac[lane % MacLength] ^= 1;
                }

                if (hex)
                {
                    Convert.TryToHexStringLower(mac[..(outputLength / 2)], destination.Slice((first + lane) * outputLength, outputLength), out _);
                }
                else
                {
                    mac.CopyTo(destination.Slice((first + lane) * MacLength, MacLength));
                }
            }
        }

        // The padded blocks held the messages (identifiers): no copy of them outlives the call on the stack.
        CryptographicOperations.ZeroMemory(padded);
    }

    /// <summary>Writes block <paramref name="b"/> of <paramref name="message"/>, with SHA-256 padding, into <paramref name="block"/>.</summary>
    private static void FillBlock(ReadOnlySpan<byte> message, int b, int blockCount, Span<byte> block)
    {
        block.Clear();
        var offset = b * BlockLength;
        if (offset < message.Length)
        {
            message.Slice(offset, Math.Min(BlockLength, message.Length - offset)).CopyTo(block);
        }

        if (message.Length >= offset && message.Length < offset + BlockLength)
        {
            block[message.Length - offset] = 0x80;
        }

        if (b == blockCount - 1)
        {
            // Bit length of the ipad block plus the message.
            BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)(BlockLength + message.Length) * 8);
        }
    }

    /// <summary>One SHA-256 compression of every lane: <paramref name="w"/> holds the block's 16 words and is expanded in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compress<TLanes>(ref State<TLanes> state, ref Schedule<TLanes> w)
        where TLanes : struct, ILanes<TLanes>
    {
        for (var t = 16; t < 64; t++)
        {
            var w15 = w[t - 15];
            var w2 = w[t - 2];
            var s0 = TLanes.Xor(TLanes.Xor(TLanes.Rotr(w15, 7), TLanes.Rotr(w15, 18)), TLanes.Shr(w15, 3));
            var s1 = TLanes.Xor(TLanes.Xor(TLanes.Rotr(w2, 17), TLanes.Rotr(w2, 19)), TLanes.Shr(w2, 10));
            w[t] = TLanes.Add(TLanes.Add(w[t - 16], s0), TLanes.Add(w[t - 7], s1));
        }

        var a = state[0];
        var b = state[1];
        var c = state[2];
        var d = state[3];
        var e = state[4];
        var f = state[5];
        var g = state[6];
        var h = state[7];
        var k = K;
        for (var t = 0; t < 64; t++)
        {
            var sigma1 = TLanes.Xor(TLanes.Xor(TLanes.Rotr(e, 6), TLanes.Rotr(e, 11)), TLanes.Rotr(e, 25));
            var choose = TLanes.Select(e, f, g);
            var t1 = TLanes.Add(TLanes.Add(h, sigma1), TLanes.Add(choose, TLanes.Add(TLanes.Broadcast(k[t]), w[t])));
            var sigma0 = TLanes.Xor(TLanes.Xor(TLanes.Rotr(a, 2), TLanes.Rotr(a, 13)), TLanes.Rotr(a, 22));

            // Majority: where a and b differ, c decides; where they agree, either.
            var majority = TLanes.Select(TLanes.Xor(a, b), c, b);
            h = g;
            g = f;
            f = e;
            e = TLanes.Add(d, t1);
            d = c;
            c = b;
            b = a;
            a = TLanes.Add(t1, TLanes.Add(sigma0, majority));
        }

        state[0] = TLanes.Add(state[0], a);
        state[1] = TLanes.Add(state[1], b);
        state[2] = TLanes.Add(state[2], c);
        state[3] = TLanes.Add(state[3], d);
        state[4] = TLanes.Add(state[4], e);
        state[5] = TLanes.Add(state[5], f);
        state[6] = TLanes.Add(state[6], g);
        state[7] = TLanes.Add(state[7], h);
    }

    [InlineArray(64)]
    private struct Schedule<T>
    {
        private T _element;
    }

    [InlineArray(8)]
    private struct State<T>
    {
        private T _element;
    }
}

/// <summary>The few lane-wise operations SHA-256 needs, so one generic compression serves every vector width.</summary>
internal interface ILanes<TSelf>
    where TSelf : struct, ILanes<TSelf>
{
    /// <summary>Messages hashed at once.</summary>
    static abstract int Count { get; }

    static abstract TSelf Broadcast(uint value);

    /// <summary>Reads <see cref="Count"/> consecutive values.</summary>
    static abstract TSelf Load(ref uint source);

    /// <summary>The transpose: lane <c>j</c> gets the big-endian word at <c>first + 64 * j</c> (word t of block j).</summary>
    static abstract TSelf LoadBigEndianColumn(ref byte first);

    /// <summary>Writes <see cref="Count"/> consecutive values.</summary>
    static abstract void Store(TSelf value, ref uint destination);

    static abstract TSelf Add(TSelf left, TSelf right);

    static abstract TSelf Xor(TSelf left, TSelf right);

    /// <summary>Bitwise: <paramref name="whereSet"/> where <paramref name="mask"/> has a 1, else <paramref name="whereClear"/>.</summary>
    static abstract TSelf Select(TSelf mask, TSelf whereSet, TSelf whereClear);

    static abstract TSelf Rotr(TSelf value, int count);

    static abstract TSelf Shr(TSelf value, int count);
}

/// <summary>8 lanes (AVX2). Rotates are shift/shift/or: AVX2 has no 32-bit vector rotate.</summary>
internal readonly struct Lanes256 : ILanes<Lanes256>
{
    public const int Count = 8;
    private static readonly Vector256<byte> ByteSwap = Vector256.Create(
        (byte)3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);

    private readonly Vector256<uint> _value;

    private Lanes256(Vector256<uint> value) => _value = value;

    static int ILanes<Lanes256>.Count => Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Broadcast(uint value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref uint source) => new(Vector256.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Lanes256 LoadBigEndianColumn(ref byte first)
    {
        if (Avx2.IsSupported)
        {
            // One gather of 8 words 64 bytes apart, then a byte swap of each word (vpshufb).
            fixed (byte* p = &first)
            {
                var words = Avx2.GatherVector256((uint*)p, Vector256.Create(0, 16, 32, 48, 64, 80, 96, 112), 4);
                return new(Avx2.Shuffle(words.AsByte(), ByteSwap).AsUInt32());
            }
        }

        return new(Vector256.Create(
            Lane1.BigEndianAt(ref first, 0), Lane1.BigEndianAt(ref first, 1), Lane1.BigEndianAt(ref first, 2), Lane1.BigEndianAt(ref first, 3),
            Lane1.BigEndianAt(ref first, 4), Lane1.BigEndianAt(ref first, 5), Lane1.BigEndianAt(ref first, 6), Lane1.BigEndianAt(ref first, 7)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes256 value, ref uint destination) => value._value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Add(Lanes256 left, Lanes256 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Xor(Lanes256 left, Lanes256 right) => new(left._value ^ right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Select(Lanes256 mask, Lanes256 whereSet, Lanes256 whereClear) =>
        new(Vector256.ConditionalSelect(mask._value, whereSet._value, whereClear._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Rotr(Lanes256 value, int count) =>
        new(Vector256.ShiftRightLogical(value._value, count) | Vector256.ShiftLeft(value._value, 32 - count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Shr(Lanes256 value, int count) => new(Vector256.ShiftRightLogical(value._value, count));
}

/// <summary>4 lanes (SSE2/NEON), for machines without 256-bit vectors.</summary>
internal readonly struct Lanes128 : ILanes<Lanes128>
{
    public const int Count = 4;
    private readonly Vector128<uint> _value;

    private Lanes128(Vector128<uint> value) => _value = value;

    static int ILanes<Lanes128>.Count => Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Broadcast(uint value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Load(ref uint source) => new(Vector128.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 LoadBigEndianColumn(ref byte first) =>
        new(Vector128.Create(Lane1.BigEndianAt(ref first, 0), Lane1.BigEndianAt(ref first, 1), Lane1.BigEndianAt(ref first, 2), Lane1.BigEndianAt(ref first, 3)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes128 value, ref uint destination) => value._value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Add(Lanes128 left, Lanes128 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Xor(Lanes128 left, Lanes128 right) => new(left._value ^ right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Select(Lanes128 mask, Lanes128 whereSet, Lanes128 whereClear) =>
        new(Vector128.ConditionalSelect(mask._value, whereSet._value, whereClear._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Rotr(Lanes128 value, int count) =>
        new(Vector128.ShiftRightLogical(value._value, count) | Vector128.ShiftLeft(value._value, 32 - count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Shr(Lanes128 value, int count) => new(Vector128.ShiftRightLogical(value._value, count));
}

/// <summary>1 lane: plain scalar SHA-256, the fallback without SIMD and the key midstates.</summary>
internal readonly struct Lane1 : ILanes<Lane1>
{
    public const int Count = 1;
    private readonly uint _value;

    private Lane1(uint value) => _value = value;

    static int ILanes<Lane1>.Count => Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Broadcast(uint value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Load(ref uint source) => new(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 LoadBigEndianColumn(ref byte first) => new(BigEndianAt(ref first, 0));

    /// <summary>The big-endian word of block <paramref name="lane"/> (64 bytes apart) at <paramref name="first"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint BigEndianAt(ref byte first, int lane) =>
        BinaryPrimitives.ReadUInt32BigEndian(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref first, lane * 64), 4));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lane1 value, ref uint destination) => destination = value._value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Add(Lane1 left, Lane1 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Xor(Lane1 left, Lane1 right) => new(left._value ^ right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Select(Lane1 mask, Lane1 whereSet, Lane1 whereClear) =>
        new((mask._value & whereSet._value) | (~mask._value & whereClear._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Rotr(Lane1 value, int count) => new(uint.RotateRight(value._value, count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Shr(Lane1 value, int count) => new(value._value >> count);
}
