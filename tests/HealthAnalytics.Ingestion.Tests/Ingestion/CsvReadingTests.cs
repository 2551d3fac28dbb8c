using System.IO.Compression;
using System.Text;
using static HealthAnalytics.Ingestion.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

public class CsvReadingTests
{
    [Fact]
    public async Task Clean_UnterminatedQuoteAtEndOfFile_IsRejectedWithStartLine()
    {
        var csv = Csv(Row(), Row(("encounter_id", "E2"))) + "E3,\"P3,unterminated\n";
        var r = await CleanAsync(csv);
        r.AssertRejected("unterminated-quote");
        Assert.Equal(4, r.Report.Rejection!.Line);
    }

    [Fact]
    public async Task Clean_TooFewAndTooManyFields_RowsQuarantinedForFieldCount()
    {
        var csv = Csv(Row(), "E2,P2,only-three", Row(("encounter_id", "E3")) + ",extra");
        var r = await CleanAsync(csv);
        r.AssertCurated();
        Assert.Equal(2, r.Report.Rows.Quarantined);
        Assert.Equal(1, r.Report.Rows.Written);
        Assert.Equal([3L, 4L], r.Report.RejectedRows.Select(x => x.Line));
        Assert.All(r.Report.RejectedRows, x => Assert.Equal(Rules.FieldCount, Assert.Single(x.Violations).Rule));
        Assert.Equal(2, r.Report.ViolationsByRule[Rules.FieldCount]);
    }

    [Fact]
    public async Task Clean_DuplicateHeader_IsRejected()
    {
        var csv = "encounter_id,stay_id," + string.Join(",", Header.Skip(1)) + "\n";
        var r = await CleanAsync(csv);
        r.AssertRejected("duplicate-header");
        Assert.Equal("encounter_id", r.Report.Rejection!.Column);
    }

    [Fact]
    public async Task Clean_BlankHeaderCell_IsRejected()
    {
        var r = await CleanAsync(string.Join(",", Header) + ", \n" + Row() + ",x\n");
        r.AssertRejected("blank-header");
        Assert.Equal(1, r.Report.Rejection!.Line);
    }

    [Fact]
    public async Task Clean_MissingRequiredColumn_IsRejectedNamingTheColumn()
    {
        var header = string.Join(",", Header.Where(h => h != "patient_id"));
        var r = await CleanAsync(header + "\n");
        r.AssertRejected("missing-column");
        Assert.Equal("patient_id", r.Report.Rejection!.Column);
    }

    [Fact]
    public async Task Clean_EmptyFile_IsRejected()
    {
        var r = await CleanAsync(Array.Empty<byte>());
        r.AssertRejected("empty-file");
    }

    [Fact]
    public async Task Clean_HeaderOnly_IsCuratedWithZeroRows()
    {
        var r = await CleanAsync(string.Join(",", Header));
        r.AssertCurated();
        Assert.Equal(0, r.Report.Rows.Read);
        Assert.Null(r.Report.KAnonymity);
        Assert.Equal(0, await ParquetCheck.CountAsync(r.Parquet));
    }

    [Fact]
    public async Task Clean_BomMixedLineEndingsNoFinalNewline_AllRowsAccepted()
    {
        var text = string.Join(",", Header) + "\r\n" + Row() + "\n" + Row(("encounter_id", "E2")) + "\r" + Row(("encounter_id", "E3"));
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray();
        var r = await CleanAsync(bytes);
        r.AssertCurated();
        Assert.Equal(3, r.Report.Rows.Written);
        Assert.True(r.Report.Dialect!.ByteOrderMark);
    }

    [Fact]
    public async Task Clean_QuotedFieldWithLineBreak_LinesOfLaterRecordsStayPhysical()
    {
        var csv = Csv(Row(("first_name", "\"Anne\nMarie\"")), Row(("encounter_id", "E2"), ("sex", "?")));
        var r = await CleanAsync(csv);
        var row = r.SingleQuarantined();
        Assert.Equal(4, row.Line);
    }

    [Fact]
    public async Task Clean_InvalidUtf8WithoutDeclaredEncoding_IsRejectedWithByteOffset()
    {
        var prefix = Encoding.UTF8.GetBytes(Csv(Row()) + "E2,P");
        var bytes = prefix.Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\n")).ToArray();
        var r = await CleanAsync(bytes);
        r.AssertRejected("encoding");
        Assert.Equal(prefix.Length, r.Report.Rejection!.ByteOffset);
        Assert.DoesNotContain('\uFFFD', r.Json);
    }

    [Fact]
    public async Task Clean_NulByteInRow_IsQuarantined()
    {
        var r = await CleanAsync(Csv(Row(("first_name", "A\0B")), Row(("encounter_id", "E2"))));
        var row = r.SingleQuarantined();
        Assert.Equal(2, row.Line);
        Assert.Equal(Rules.NulByte, Assert.Single(row.Violations).Rule);
    }

    [Fact]
    public async Task Clean_FieldOverOneMebibyte_IsRejected()
    {
        var r = await CleanAsync(Csv(Row(("first_name", new string('x', (1024 * 1024) + 1)))));
        r.AssertRejected("field-too-large");
        Assert.Equal(2, r.Report.Rejection!.Line);
    }

    [Fact]
    public async Task Clean_HeaderOver512Columns_IsRejected()
    {
        var header = string.Join(",", Header.Concat(Enumerable.Range(0, 500).Select(i => $"extra{i}")));
        var r = await CleanAsync(header + "\n");
        r.AssertRejected("too-many-columns");
    }

    [Fact]
    public async Task Clean_GzipBomb_IsStoppedAtTheCapAndRejected()
    {
        using var compressed = new MemoryStream();
        using (var gz = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 64; i++)
            {
                gz.Write(zeros);
            }
        }

        var options = new IngestionOptions { CompressionRatioGraceBytes = 1 << 20, MaxCompressionRatio = 100 };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var r = await CleanAsync(compressed.ToArray(), "bomb.csv.gz", options: options);
        r.AssertRejected("decompressed-size");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Clean_TruncatedGzip_IsRejected()
    {
        var rows = Enumerable.Range(0, 2000).Select(i => Row(("encounter_id", $"E{i}"))).ToArray();
        using var compressed = new MemoryStream();
        using (var gz = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(Encoding.UTF8.GetBytes(Csv(rows)));
        }

        var bytes = compressed.ToArray();
        var r = await CleanAsync(bytes[..(bytes.Length / 2)], "upload.csv.gz");
        r.AssertRejected("truncated-gzip");
    }

    [Fact]
    public async Task Clean_CompleteGzip_IsCurated()
    {
        using var compressed = new MemoryStream();
        using (var gz = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(Encoding.UTF8.GetBytes(Csv(Row(), Row(("encounter_id", "E2")))));
        }

        var r = await CleanAsync(compressed.ToArray(), "upload.csv.gz");
        r.AssertCurated();
        Assert.Equal("gzip", r.Report.Dialect!.Compression);
        Assert.Equal(2, r.Report.Rows.Written);
    }

    [Fact]
    public async Task Clean_ZipFileNamedCsv_IsRejectedAsUnsupported()
    {
        using var zipped = new MemoryStream();
        using (var zip = new ZipArchive(zipped, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("data.csv").Open();
            entry.Write(Encoding.UTF8.GetBytes(Csv(Row())));
        }

        var r = await CleanAsync(zipped.ToArray(), "upload.csv");
        r.AssertRejected("unsupported-format");
    }

    [Fact]
    public async Task Clean_Utf16WithBom_IsDecoded()
    {
        var csv = Csv(Row(("first_name", "Zoé")), Row(("encounter_id", "E2"), ("admission_type", "Électif")));
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(csv)).ToArray();
        var r = await CleanAsync(bytes);
        r.AssertCurated();
        Assert.Equal("utf-16le", r.Report.Dialect!.Encoding);
        Assert.Equal(1, r.Report.Rows.Written);
        Assert.Equal("admission_type", Assert.Single(r.SingleQuarantined().Violations).Column);
    }

    [Fact]
    public async Task Clean_DeclaredWindows1252_IsDecoded()
    {
        var contract = Encounters with { Dialect = Encounters.Dialect with { Encoding = "windows-1252" } };
        var csv = Csv(Row(("admission_type", "programmée")));
        var bytes = System.Text.CodePagesEncodingProvider.Instance.GetEncoding(1252)!.GetBytes(csv);
        var r = await CleanAsync(bytes, contract: contract);
        r.AssertCurated();
        Assert.Equal(1, r.Report.Rows.Fixed);
        Assert.Equal(1, r.Report.Columns.Single(c => c.Name == "admission_type").Categories!["elective"]);
    }

    [Fact]
    public async Task Clean_FrenchDialect_SemicolonDecimalCommaAndDayFirstDates()
    {
        var header = string.Join(";", Header);
        var row = Row(";", ("hba1c", "7,5"), ("admission_date", "05/01/2024"), ("discharge_date", "10/01/2024"), ("bmi", "27,25"));
        var r = await CleanAsync(header + "\n" + row + "\n");
        r.AssertCurated();
        Assert.Equal(";", r.Report.Dialect!.Delimiter);
        Assert.Equal(1, r.Report.Rows.Kept);
        var hba1c = r.Report.Columns.Single(c => c.Name == "hba1c");
        Assert.Equal(7.5, hba1c.Mean);
        Assert.Equal(5, r.Report.Columns.Single(c => c.Name == "length_of_stay_days").Mean);
    }
}
