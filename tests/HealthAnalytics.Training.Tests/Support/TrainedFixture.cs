using System.Diagnostics;
using HealthAnalytics.Curated;

namespace HealthAnalytics.Training.Tests.Support;

/// <summary>100k encounters from the synthetic generator through the real cleaner, trained once and shared by the quality tests.</summary>
public sealed class TrainedFixture : IAsyncLifetime
{
    public const int Rows = 100_000;
    public const int Seed = 20261201;

    internal GeneratedData Data { get; private set; } = null!;
    internal TrainingTable Table { get; private set; } = null!;
    internal TrainedModel Readmission { get; private set; } = null!;
    internal TrainedModel Subgroups { get; private set; } = null!;
    internal double ReadmissionSeconds { get; private set; }
    internal double SubgroupSeconds { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Data = await GeneratedData.CreateAsync(Rows, Seed);
        Table = await Repo.ReadAsync(Data.Parquet);
        var clock = Stopwatch.StartNew();
        Subgroups = ClusteringTrainer.Train(Repo.Spec("patient-subgroups"), Repo.Encounters, Table, "v-sub", "test", DateTimeOffset.UnixEpoch);
        SubgroupSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        Readmission = BinaryTrainer.Train(Repo.Spec("readmission-risk"), Repo.Encounters, Table, "v-readm", Subgroups.Bundle, "test", DateTimeOffset.UnixEpoch);
        ReadmissionSeconds = clock.Elapsed.TotalSeconds;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
