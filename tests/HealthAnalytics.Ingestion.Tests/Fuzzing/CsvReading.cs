using System.Text;

namespace HealthAnalytics.Ingestion.Tests.Fuzzing;

/// <summary>Records as the reader stage produces them: every field's text and the physical line where the record starts.</summary>
internal sealed record ReadResult(IReadOnlyList<string[]> Records, IReadOnlyList<long> Lines, byte Delimiter);

/// <summary>
/// The cleaner's reading stage on its own (<see cref="CsvInput"/> then <see cref="CsvRecordParser"/>, with the
/// same UTF-8 checks and chunk carry as <c>CsvUploadCleaner</c>), in chunks of a chosen size so that fuzzing
/// crosses every chunk boundary the 256 KB production chunks only cross on large files. Throws
/// <see cref="FileRejectedException"/> for a rejected file, like the cleaner's producer.
/// </summary>
internal static class CsvReading
{
    // reference: parse with ReferenceCsvParser (the differential oracle) instead of the production parser.
    public static ReadResult Read(byte[] bytes, string fileName, string? encoding, IngestionOptions options, int chunkBytes, byte? delimiter = null, bool reference = false)
    {
        CsvInput csv;
        try
        {
            csv = CsvInput.Open(new MemoryStream(bytes, writable: false), fileName, encoding, options);
        }
        catch (InvalidDataException)
        {
            throw FileRejectedException.Of("truncated-gzip", "corrupt gzip");
        }

        using (csv)
        {
            // Sniffing sees the whole start of the file, as the cleaner's first 256 KB chunk does.
            var all = ReadAll(csv);
            var chosen = delimiter ?? CsvRecordParser.Sniff(all);
            IRecordParser parser = reference ? new ReferenceCsvParser(chosen, options, new RowBatch()) : new ProductionCsvParser(chosen, options);
            var records = new List<string[]>();
            var lines = new List<long>();
            // Sized to the input: a 1 MB buffer per read would make the fuzz loop a large-object-heap GC loop.
            chunkBytes = Math.Max(1, Math.Min(chunkBytes, all.Length));
            var buffer = new byte[chunkBytes + 4];
            var carry = 0;
            var offset = 0;
            while (true)
            {
                var length = Math.Min(chunkBytes, all.Length - offset);
                all.AsSpan(offset, length).CopyTo(buffer.AsSpan(carry));
                offset += length;
                var eof = offset == all.Length;
                var total = carry + length;
                var cut = eof ? total : total - CsvInput.IncompleteTail(buffer.AsSpan(0, total));
                if (csv.NeedsValidation && CsvInput.FirstInvalidUtf8(buffer.AsSpan(0, cut)) >= 0)
                {
                    throw FileRejectedException.Of("encoding", "invalid UTF-8");
                }

                parser.Parse(buffer.AsSpan(0, cut));
                carry = total - cut;
                buffer.AsSpan(cut, carry).CopyTo(buffer);
                if (parser.BatchFull)
                {
                    Drain(parser.Swap(new RowBatch()), records, lines);
                }

                if (eof)
                {
                    break;
                }
            }

            parser.Complete();
            csv.VerifyComplete?.Invoke();
            Drain(parser.Batch, records, lines);
            return new ReadResult(records, lines, chosen);
        }
    }

    private static byte[] ReadAll(CsvInput csv)
    {
        using var all = new MemoryStream();
        try
        {
            csv.Utf8.CopyTo(all);
        }
        catch (DecoderFallbackException)
        {
            throw FileRejectedException.Of("encoding", "not valid in its encoding");
        }
        catch (InvalidDataException)
        {
            throw FileRejectedException.Of("truncated-gzip", "corrupt gzip");
        }

        return all.ToArray();
    }

    private static void Drain(RowBatch batch, List<string[]> records, List<long> lines)
    {
        for (var r = 0; r < batch.RecordCount; r++)
        {
            var first = batch.RecordFirstField[r];
            var end = r + 1 < batch.RecordCount ? batch.RecordFirstField[r + 1] : batch.FieldTotal;
            var stored = Math.Min(batch.RecordFieldCount[r], end - first);
            var fields = new string[stored];
            for (var f = 0; f < stored; f++)
            {
                fields[f] = Encoding.UTF8.GetString(batch.Field(first + f));
            }

            records.Add(fields);
            lines.Add(batch.RecordLine[r]);
        }
    }
}
