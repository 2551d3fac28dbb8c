using System.Globalization;
using System.Text;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>
/// <see cref="DateFormat"/> parses ASCII bytes word-at-a-time (the cleaner's path) and text char by char (the
/// prediction API's); both must accept exactly the same cells with the same dates, and agree with
/// <c>DateOnly.TryParseExact</c> on well-formed ones.
/// </summary>
public class DateFormatTests
{
    [Theory]
    [InlineData("yyyy-MM-dd")]
    [InlineData("dd/MM/yyyy")]
    [InlineData("yyyyMMdd")]
    [InlineData("MM.dd.yyyy")]
    [InlineData("yyyy - MM - dd")]
    [InlineData("dd_MM_yyyy~~~")]
    [InlineData("yyyy/dd/MM")]
    public void TryParse_BytesAndText_AgreeOnSeededRandomCells(string pattern)
    {
        Assert.True(DateFormat.TryCreate(pattern, out var format));
        var random = new Random(20261201);
        var alphabet = "0123456789-/.:_~ 0123456789a" + pattern;
        int accepted = 0, refused = 0;
        for (var n = 0; n < 20_000; n++)
        {
            string cell;
            if (n % 2 == 0)
            {
                // A real date in the format, sometimes with one character replaced (near misses at every position).
                var date = new DateOnly(1, 1, 1).AddDays(random.Next(0, 3_652_058));
                var sb = new StringBuilder(date.ToString(pattern, CultureInfo.InvariantCulture));
                if (random.Next(3) == 0)
                {
                    sb[random.Next(sb.Length)] = alphabet[random.Next(alphabet.Length)];
                }

                cell = sb.ToString();
            }
            else
            {
                var sb = new StringBuilder();
                for (var length = pattern.Length + random.Next(-1, 2); length > 0; length--)
                {
                    sb.Append(random.Next(8) == 0 ? (char)random.Next(0, 128) : alphabet[random.Next(alphabet.Length)]);
                }

                cell = sb.ToString();
            }

            var textOk = format.TryParse(cell.AsSpan(), out var fromText);
            var bytesOk = format.TryParse(Encoding.ASCII.GetBytes(cell), out var fromBytes);
            Assert.True(textOk == bytesOk, $"format {pattern}, cell '{cell}': text {textOk}, bytes {bytesOk}");
            Assert.Equal(fromText, fromBytes);
            var exactOk = DateOnly.TryParseExact(cell, pattern, CultureInfo.InvariantCulture, DateTimeStyles.None, out var exact);
            if (textOk)
            {
                Assert.True(exactOk && exact == fromText, $"format {pattern}, cell '{cell}': TryParseExact {exactOk} {exact}, ours {fromText}");
            }

            accepted += textOk ? 1 : 0;
            refused += textOk ? 0 : 1;
        }

        Assert.True(accepted > 1000 && refused > 1000, $"{accepted} accepted, {refused} refused");
    }
}
