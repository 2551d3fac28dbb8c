using System.Diagnostics;

namespace HealthAnalytics.Integration.Tests;

public static class Wait
{
    /// <summary>Polls <paramref name="probe"/> until it returns a value or <paramref name="timeout"/> passes.</summary>
    public static async Task<(T? Value, TimeSpan Elapsed)> ForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout)
        where T : class
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (value is not null || stopwatch.Elapsed > timeout)
            {
                return (value, stopwatch.Elapsed);
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
