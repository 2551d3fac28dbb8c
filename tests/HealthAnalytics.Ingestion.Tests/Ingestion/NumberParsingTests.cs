using System.Globalization;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>The normalizer's fast decimal path must give exactly the double that double.Parse gives.</summary>
public sealed class NumberParsingTests
{
    [Fact]
    public void Normalize_RandomDecimals_EqualDoubleParseBitForBit()
    {
        var column = new ColumnSpec { Name = "x", Type = ColumnType.Number };
        var normalizer = new ColumnNormalizer(column, new DialectSpec { DecimalSeparator = "," }, ';', new DateOnly(2025, 1, 1));
        var rng = new Random(5);
        for (var i = 0; i < 100_000; i++)
        {
            // 1 to 17 digits (past the 15-digit fast path too), a separator anywhere or none, a sign sometimes.
            var digits = new string([.. Enumerable.Range(0, rng.Next(1, 18)).Select(_ => (char)('0' + rng.Next(10)))]);
            var at = rng.Next(-1, digits.Length + 1);
            var text = at < 0 ? digits : digits.Insert(at, rng.Next(2) == 0 ? "." : ",");
            text = rng.Next(4) switch { 0 => "-" + text, 1 => "+" + text, _ => text };
            var expected = double.Parse(text.Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture);
            var result = normalizer.Normalize(text);
            Assert.Equal(CellStatus.Value, result.Status);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits((double)result.Value!));
        }
    }

    [Theory]
    [InlineData("-0", true)]
    [InlineData("0.0", false)]
    [InlineData("-0.000", true)]
    public void Normalize_Zero_KeepsItsSignLikeDoubleParse(string text, bool negative)
    {
        var normalizer = new ColumnNormalizer(new ColumnSpec { Name = "x", Type = ColumnType.Number }, new DialectSpec(), ',', new DateOnly(2025, 1, 1));
        Assert.Equal(negative, double.IsNegative((double)normalizer.Normalize(text).Value!));
    }
}
