using System.ComponentModel.DataAnnotations;

namespace HealthAnalytics.Ingestion;

/// <summary>Limits and tuning of ingestion (configuration section <c>Ingestion</c>).</summary>
public sealed class IngestionOptions
{
    public const string SectionName = "Ingestion";

    /// <summary>Uploads over this size are rejected before download (checked by the storage adapter).</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    /// <summary>Decompressed bytes read from one upload; over it: <c>decompressed-size</c>.</summary>
    [Range(1, long.MaxValue)]
    public long MaxDecompressedBytes { get; set; } = 16L * 1024 * 1024 * 1024;

    /// <summary>
    /// Largest decompressed/compressed ratio allowed once <see cref="CompressionRatioGraceBytes"/> have been
    /// produced: a gzip bomb (ratio ~1000) stops after a few MB instead of at the absolute cap.
    /// Real CSV compresses 5-20x.
    /// </summary>
    [Range(2, 100_000)]
    public double MaxCompressionRatio { get; set; } = 200;

    /// <summary>Decompressed bytes before the ratio cap applies (small files can compress very well).</summary>
    [Range(0, long.MaxValue)]
    public long CompressionRatioGraceBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Largest field; over it: <c>field-too-large</c>.</summary>
    [Range(16, 64 * 1024 * 1024)]
    public int MaxFieldBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest record (all fields); over it: <c>field-too-large</c>. Bounds memory per row.</summary>
    [Range(16, 512 * 1024 * 1024)]
    public int MaxRecordBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Most header columns; over it: <c>too-many-columns</c>.</summary>
    [Range(1, 100_000)]
    public int MaxColumns { get; set; } = 512;

    /// <summary>Quarantined rows listed (positions and rules only) in a report.</summary>
    [Range(0, 100_000)]
    public int RejectedRowsInReport { get; set; } = 100;

    /// <summary>Rows per Parquet row group, at least (a group closes at the first batch boundary past it, so it holds up to 2,047 more); memory is proportional to it.</summary>
    [Range(1_000, 1_000_000)]
    public int RowGroupSize { get; set; } = 65_536;

    /// <summary>
    /// Compression of the curated Parquet pages: <c>zstd</c> (default: the smallest files for the time, measured in
    /// docs/benchmarks.md), <c>snappy</c> or <c>none</c>.
    /// </summary>
    [RegularExpression("^(zstd|snappy|none)$")]
    public string CuratedCompression { get; set; } = "zstd";

    /// <summary>
    /// Primary-key fingerprints held in memory (16 bytes each; 2^20 = 16 MiB) before they are spilled as a sorted
    /// run to a temp file behind a 32 MiB Bloom filter, so memory does not grow with the file. Rounded up to a power of two.
    /// </summary>
    [Range(64, 1 << 28)]
    public int DuplicateKeysInMemory { get; set; } = 1 << 20;

    /// <summary>
    /// A primary key of one pseudonymized identifier column takes its duplicate fingerprint from the pseudonym (one
    /// HMAC a row instead of two; docs/ingestion.md, Duplicates). Not configuration: tests turn it off to compare
    /// against the run-keyed fingerprint.
    /// </summary>
    internal bool KeyFingerprintFromPseudonym { get; set; } = true;

    /// <summary>k-anonymity groups counted in memory (~40 bytes each) before a sorted run is spilled to a temp file.</summary>
    [Range(16, 1 << 26)]
    public int KAnonymityGroupsInMemory { get; set; } = 1 << 18;

    /// <summary>Folder of ingestion's scratch files (<c>ha-ingest-*.tmp</c>: the downloaded upload, the Parquet being
    /// written, spilled key runs); null = <c>{temp}/healthanalytics-ingest</c>. Files a stopped run left there are
    /// removed at start (<see cref="IngestionScratch"/>).</summary>
    public string? TempDirectory { get; set; }

    /// <summary>Share of a column's sampled cells that may look like identifiers before the upload fails the privacy
    /// floor (<c>privacy-floor</c>; only <c>none</c>/<c>sensitive</c> columns without a waiver are sampled).</summary>
    [Range(0.0, 1.0)]
    public double PrivacyFloorShare { get; set; } = 0.2;
}

/// <summary>Keyed pseudonymization (configuration section <c>Pseudonymization</c>; the key comes from Key Vault in Azure).</summary>
public sealed class PseudonymizationOptions
{
    public const string SectionName = "Pseudonymization";

    /// <summary>HMAC key; never logged. At least 32 characters (256 bits of ASCII or more).</summary>
    [Required]
    [MinLength(32)]
    public string Key { get; set; } = string.Empty;

    /// <summary>Names the key in reports so that a key rotation is visible (never the key itself).</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._-]{1,64}$")]
    public string KeyId { get; set; } = "default";

    /// <summary>
    /// The HMAC-SHA256 behind pseudonyms and duplicate-key fingerprints: <c>lanes</c> (default: the multi-buffer SIMD
    /// implementation, checked by a known-answer self-test at start-up) or <c>platform</c> (.NET's <c>HMACSHA256</c>, slower).
    /// Both give the same pseudonyms (docs/decisions/0001-multi-lane-hmac.md).
    /// </summary>
    [RegularExpression("^(lanes|platform)$")]
    public string Implementation { get; set; } = "lanes";
}
