namespace HealthAnalytics.Bench.Measurement;

/// <summary>A child that holds a known amount of memory: lets tests check the peak-RSS measurement.</summary>
public static class Probe
{
    public static int Allocate(int megabytes)
    {
        var clock = EngineClock.Start();
        var block = GC.AllocateUninitializedArray<byte>(megabytes * 1_000_000);

        // Touch every page so that it becomes resident (an untouched allocation costs no RSS).
        for (var i = 0; i < block.Length; i += 4096)
        {
            block[i] = 1;
        }

        var (seconds, cpu) = clock.Stop();
        ChildRun.Emit(new ChildReport { Engine = "probe", Seconds = seconds, CpuSeconds = cpu, OutputBytes = block.Length });
        GC.KeepAlive(block);
        return 0;
    }
}
