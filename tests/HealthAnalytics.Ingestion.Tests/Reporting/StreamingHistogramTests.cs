namespace HealthAnalytics.Ingestion.Tests.Reporting;

public class StreamingHistogramTests
{
    [Theory]
    [InlineData(1, -20)]
    [InlineData(2, 0)]
    [InlineData(3, -20)]
    public void Counts_EqualBruteForceBinning_OnTheReportedGrid(int seed, int floor)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, 20_000).Select(_ => floor == 0 ? Math.Round(random.NextDouble() * 300) - 20 : (random.NextDouble() * 17.3) + 3.1).ToArray();
        var histogram = new StreamingHistogram(floor);
        foreach (var v in values)
        {
            histogram.Add(v);
        }

        var (low, width, counts) = histogram.Result()!.Value;
        var expected = new long[counts.Length];
        foreach (var v in values)
        {
            expected[(int)Math.Floor((v - low) / width)]++;
        }

        Assert.Equal(expected, counts);
        Assert.Equal(values.Length, counts.Sum());
        Assert.InRange(counts.Length, StreamingHistogram.Bins / 2, StreamingHistogram.Bins);
        Assert.True(floor < 0 || width >= 1, "integers never get bins narrower than 1");
    }

    [Fact]
    public void MergedBatches_GiveTheSameHistogram_AsOneStream_WhateverTheSplit()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 5_000).Select(_ => Math.Exp(random.NextDouble() * 6)).ToArray();
        var whole = new StreamingHistogram(-20);
        foreach (var v in values)
        {
            whole.Add(v);
        }

        for (var split = 0; split < 5; split++)
        {
            var merged = new StreamingHistogram(-20);
            var at = 0;
            while (at < values.Length)
            {
                var batch = merged.NewEmpty();
                var size = random.Next(1, 900);
                foreach (var v in values.Skip(at).Take(size).Reverse())
                {
                    batch.Add(v);
                }

                merged.Add(batch);
                at += size;
            }

            var (low, width, counts) = merged.Result()!.Value;
            var (wholeLow, wholeWidth, wholeCounts) = whole.Result()!.Value;
            Assert.Equal(wholeLow, low);
            Assert.Equal(wholeWidth, width);
            Assert.Equal(wholeCounts, counts);
        }
    }

    [Fact]
    public void Empty_HasNoResult_AndOneValue_HasOneBin()
    {
        var histogram = new StreamingHistogram(0);
        Assert.Null(histogram.Result());

        histogram.Add(42);

        var (low, width, counts) = histogram.Result()!.Value;
        Assert.Equal(42, low);
        Assert.Equal(1, width);
        Assert.Equal([1L], counts);
    }
}
