namespace HealthAnalytics.Ingestion.Tests;

public class SmokeTests
{
    [Fact]
    public void Build_HasRunnableTests() => Assert.Equal(4, 2 + 2);
}
