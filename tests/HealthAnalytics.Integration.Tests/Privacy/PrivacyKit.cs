using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace HealthAnalytics.Integration.Tests.Privacy;

/// <summary>Captures every log line (all categories, from Trace) with its message, state values and exception.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Capture(Lines, categoryName);

    public void Dispose()
    {
    }

    private sealed class Capture(ConcurrentQueue<string> lines, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue($"{category} scope {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The structured values too: a sink (Application Insights) stores them even when the message omits them.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            lines.Enqueue($"{category} {logLevel} {eventId.Id} {formatter(state, exception)} [{values}] {exception}");
        }
    }
}

/// <summary>Reading outputs as text and finding planted values in them.</summary>
public static class LeakScan
{
    /// <summary>Every row of a Parquet file (DuckDB), dates as ISO, one line per row.</summary>
    public static string DumpParquet(byte[] parquet) => Parquet.Query(parquet, file => $"SELECT * FROM read_parquet('{file}')", reader =>
    {
        var text = new StringBuilder();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            text.Append(reader.GetName(i)).Append('|');
        }

        text.Append('\n');
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                text.Append(reader.IsDBNull(i) ? string.Empty : reader.GetValue(i) switch
                {
                    DateTime d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    var v => Convert.ToString(v, CultureInfo.InvariantCulture),
                }).Append('|');
            }

            text.Append('\n');
        }

        return text.ToString();
    });

    /// <summary>A blob as text: a ZIP (a model) is expanded entry by entry, other bytes read as UTF-8.</summary>
    public static string BlobText(byte[] bytes)
    {
        if (bytes.Length >= 4 && bytes[0] == 'P' && bytes[1] == 'K')
        {
            using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
            var text = new StringBuilder();
            foreach (var entry in zip.Entries)
            {
                using var s = entry.Open();
                using var m = new MemoryStream();
                s.CopyTo(m);
                text.Append(entry.FullName).Append('\n').Append(Encoding.UTF8.GetString(m.ToArray())).Append('\n');

                // .NET binary writers store strings length-prefixed UTF-8, ML.NET some as UTF-16: read both.
                text.Append(Encoding.Unicode.GetString(m.ToArray())).Append('\n');
            }

            return text.ToString();
        }

        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Whole-token occurrence: a 5-digit postal code may occur by chance inside a hex pseudonym, a number,
    /// the decimals of a logged duration ("384.75011 ms") or the loopback port of Azurite or the dev host
    /// ("127.0.0.1:21000"), none of which is the value.</summary>
    public static bool Contains(string text, string value) =>
        text.Contains(value, StringComparison.Ordinal) &&
        Regex.IsMatch(text, $"(?<![0-9A-Za-z])(?<![0-9]\\.)(?<!127\\.0\\.0\\.1:){Regex.Escape(value)}(?![0-9A-Za-z])", RegexOptions.None, TimeSpan.FromSeconds(10));

    /// <summary>Also as JSON writes it (System.Text.Json escapes non-ASCII, quotes, '+', '&lt;', ...).</summary>
    public static IEnumerable<string> Forms(string value)
    {
        yield return value;
        var json = System.Text.Json.JsonSerializer.Serialize(value)[1..^1];
        if (json != value)
        {
            yield return json;
        }

        var html = System.Net.WebUtility.HtmlEncode(value);
        if (html != value)
        {
            yield return html;
        }
    }
}

/// <summary>An RFC 4180 reader/writer for rewriting a generated upload with planted columns.</summary>
public static class Rfc4180
{
    public static List<List<string>> Parse(string text, char delimiter)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == delimiter)
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
            }
            else
            {
                field.Append(c);
            }
        }

        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add(row);
        }

        return rows;
    }

    public static string Write(IEnumerable<IEnumerable<string>> rows, char delimiter)
    {
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendJoin(delimiter, row.Select(f => f.AsSpan().IndexOfAny(['"', '\r', '\n', delimiter]) >= 0 ? "\"" + f.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : f));
            text.Append('\n');
        }

        return text.ToString();
    }
}
