namespace HealthAnalytics.Training.Tests;

/// <summary>A scheduled run's identity is its occurrence: invocations early, on time or late map to the same one.</summary>
public sealed class RetrainScheduleTests
{
    private static readonly DateTimeOffset TwoAm = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0)] // on time
    [InlineData(-5)] // the timer fired 5 s early
    [InlineData(47)] // late by 47 s
    [InlineData(3 * 3600)] // past due after a 3-hour outage
    public void OccurrenceAt_InvocationNearOrAfterTheOccurrence_IsThatOccurrence(int offsetSeconds)
    {
        var schedule = RetrainSchedule.Parse("0 0 2 * * *");

        Assert.Equal(TwoAm, schedule.OccurrenceAt(TwoAm.AddSeconds(offsetSeconds)));
    }

    [Fact]
    public void OccurrenceAt_BeforeTheEarlyTolerance_IsThePreviousOccurrence()
    {
        var schedule = RetrainSchedule.Parse("0 0 2 * * *");

        Assert.Equal(TwoAm.AddDays(-1), schedule.OccurrenceAt(TwoAm - RetrainSchedule.EarlyTolerance - TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void NextAfter_AnOccurrence_IsTheFollowingOne()
        => Assert.Equal(TwoAm.AddMinutes(1), RetrainSchedule.Parse("0 * * * * *").NextAfter(TwoAm));

    [Theory]
    [InlineData("0 2 * * *")] // five fields: the Functions timer needs seconds first
    [InlineData("0 0 25 * * *")] // hour 25
    [InlineData("*/10 * * * * *")] // every 10 s: closer than the early tolerance allows
    [InlineData("")]
    public void TryParse_UnusableSchedule_IsRefusedWithReason(string expression)
    {
        Assert.Null(RetrainSchedule.TryParse(expression, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
