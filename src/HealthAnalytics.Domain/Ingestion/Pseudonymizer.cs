using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Domain.Ingestion;

/// <summary>
/// Keyed pseudonyms: <c>hex(HMAC-SHA256(key, UTF-8(NFC(trim(value)))))</c>, lower case, 64 characters.
/// The same value gets the same pseudonym in every file and partner; without the key it cannot be
/// reversed or recomputed. Thread-safe; the ASCII hot path does not allocate.
/// </summary>
public sealed class Pseudonymizer
{
    /// <summary>Characters of a pseudonym.</summary>
    public const int Length = 64;

    private readonly byte[] _key;

    public Pseudonymizer(IOptions<PseudonymizationOptions> options)
        : this(options?.Value.Key ?? throw new ArgumentNullException(nameof(options)), options.Value.KeyId)
    {
    }

    public Pseudonymizer(string key, string keyId = "default")
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        _key = Encoding.UTF8.GetBytes(key);
        KeyId = keyId;
    }

    public string KeyId { get; }

    /// <summary>
    /// A single-threaded hasher that keeps the keyed HMAC state between values: the one-shot API re-keys on
    /// every call, which costs several times the hash itself on short identifiers.
    /// </summary>
    public Session CreateSession() => new(this);

    /// <summary>Not thread-safe: one per cleaning run.</summary>
    public sealed class Session : IDisposable
    {
        private readonly Pseudonymizer _owner;
        private readonly IncrementalHash _hmac;

        internal Session(Pseudonymizer owner)
        {
            _owner = owner;
            _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, owner._key);
        }

        public void Pseudonymize(ReadOnlySpan<char> value, Span<char> destination)
        {
            value = value.Trim();
            if (!Ascii.IsValid(value) || value.Length > 512)
            {
                _owner.Pseudonymize(value, destination);
                return;
            }

            Span<byte> utf8 = stackalloc byte[value.Length];
            Ascii.FromUtf16(value, utf8, out _);
            Span<byte> hash = stackalloc byte[32];
            _hmac.AppendData(utf8);
            _hmac.GetHashAndReset(hash);
            Convert.TryToHexStringLower(hash, destination, out _);
        }

        public void Dispose() => _hmac.Dispose();
    }

    public string Pseudonymize(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Span<char> hex = stackalloc char[Length];
        Pseudonymize(value.AsSpan(), hex);
        return new string(hex);
    }

    /// <summary>Writes the 64 hex characters of the pseudonym of <paramref name="value"/> into <paramref name="destination"/>.</summary>
    public void Pseudonymize(ReadOnlySpan<char> value, Span<char> destination)
    {
        value = value.Trim();
        Span<byte> hash = stackalloc byte[32];
        if (Ascii.IsValid(value) && value.Length <= 512)
        {
            // ASCII is already in NFC: hash its bytes directly.
            Span<byte> utf8 = stackalloc byte[value.Length];
            Ascii.FromUtf16(value, utf8, out _);
            HMACSHA256.TryHashData(_key, utf8, hash, out _);
        }
        else
        {
            var normalized = value.ToString().Normalize(NormalizationForm.FormC);
            var max = Encoding.UTF8.GetMaxByteCount(normalized.Length);
            var rented = ArrayPool<byte>.Shared.Rent(max);
            try
            {
                var n = Encoding.UTF8.GetBytes(normalized, rented);
                HMACSHA256.TryHashData(_key, rented.AsSpan(0, n), hash, out _);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        Convert.TryToHexStringLower(hash, destination, out _);
    }

    /// <summary>Same as <see cref="Pseudonymize(ReadOnlySpan{char}, Span{char})"/> from UTF-8 bytes.</summary>
    public void Pseudonymize(ReadOnlySpan<byte> utf8Value, Span<char> destination)
    {
        utf8Value = utf8Value.Trim(" \t"u8);
        if (Ascii.IsValid(utf8Value))
        {
            Span<byte> hash = stackalloc byte[32];
            HMACSHA256.TryHashData(_key, utf8Value, hash, out _);
            Convert.TryToHexStringLower(hash, destination, out _);
            return;
        }

        Pseudonymize(Encoding.UTF8.GetString(utf8Value).AsSpan(), destination);
    }
}
